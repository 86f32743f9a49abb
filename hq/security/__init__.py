"""HQ secrets: tokens and codes (hashed at rest), PIN hashes for offline login, keys derived from the
master secret, and sealing of private keys."""
