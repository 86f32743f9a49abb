"""The HTTP face of HQ: sync protocol v1 endpoints for devices (DESIGN.md §5), their wire schemas,
authentication, body limits and the one error shape."""
