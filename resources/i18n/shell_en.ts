<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
    <context>
        <name>FirstRunWizard</name>
        <message>
            <source>Welcome to GuideDesk</source>
            <translation>Welcome to GuideDesk</translation>
        </message>
        <message>
            <source>Connect this counter to your HQ. Ask HQ for the address and a one-time enrollment code for this store.</source>
            <translation>Connect this counter to your HQ. Ask HQ for the address and a one-time enrollment code for this store.</translation>
        </message>
        <message>
            <source>one-time code from HQ</source>
            <translation>one-time code from HQ</translation>
        </message>
        <message>
            <source>HQ address</source>
            <translation>HQ address</translation>
        </message>
        <message>
            <source>Enrollment code</source>
            <translation>Enrollment code</translation>
        </message>
        <message>
            <source>Enroll (Enter)</source>
            <translation>Enroll (Enter)</translation>
        </message>
        <message>
            <source>Pages</source>
            <translation>Pages</translation>
        </message>
        <message>
            <source>Records</source>
            <translation>Records</translation>
        </message>
        <message>
            <source>Rate</source>
            <translation>Rate</translation>
        </message>
        <message>
            <source>Time left</source>
            <translation>Time left</translation>
        </message>
        <message>
            <source>Cancel (Esc)</source>
            <translation>Cancel (Esc)</translation>
        </message>
        <message>
            <source>Continue (Enter)</source>
            <translation>Continue (Enter)</translation>
        </message>
        <message>
            <source>Finish later</source>
            <translation>Finish later</translation>
        </message>
        <message>
            <source>Start (Enter)</source>
            <translation>Start (Enter)</translation>
        </message>
        <message>
            <source>Connecting to HQ…</source>
            <translation>Connecting to HQ…</translation>
        </message>
        <message>
            <source>Enrolled for {store}. First sync…</source>
            <translation>Enrolled for {store}. First sync…</translation>
        </message>
        <message>
            <source>{n}/s</source>
            <translation>{n}/s</translation>
        </message>
        <message>
            <source>{m} min {s} s</source>
            <translation>{m} min {s} s</translation>
        </message>
        <message>
            <source>estimating…</source>
            <translation>estimating…</translation>
        </message>
        <message>
            <source>done</source>
            <translation>done</translation>
        </message>
        <message>
            <source>Ready. Guides can log in now.</source>
            <translation>Ready. Guides can log in now.</translation>
        </message>
    </context>
    <context>
        <name>LoginScreen</name>
        <message>
            <source>Log in</source>
            <translation>Log in</translation>
        </message>
        <message>
            <source>e.g. A002</source>
            <translation>e.g. A002</translation>
        </message>
        <message>
            <source>Employee no.</source>
            <translation>Employee no.</translation>
        </message>
        <message>
            <source>PIN</source>
            <translation>PIN</translation>
        </message>
        <message>
            <source>Log in (Enter)</source>
            <translation>Log in (Enter)</translation>
        </message>
        <message>
            <source>Switch guide</source>
            <translation>Switch guide</translation>
        </message>
    </context>
    <context>
        <name>MainWindow</name>
        <message>
            <source>GuideDesk</source>
            <translation>GuideDesk</translation>
        </message>
        <message>
            <source>Guide</source>
            <translation>Guide</translation>
        </message>
        <message>
            <source>Switch guide</source>
            <translation>Switch guide</translation>
        </message>
        <message>
            <source>Lock</source>
            <translation>Lock</translation>
        </message>
        <message>
            <source>Sync now</source>
            <translation>Sync now</translation>
        </message>
        <message>
            <source>Locked</source>
            <translation>Locked</translation>
        </message>
        <message>
            <source>{name} ({no})</source>
            <translation>{name} ({no})</translation>
        </message>
    </context>
    <context>
        <name>ManagerPrompt</name>
        <message>
            <source>Manager no.</source>
            <translation>Manager no.</translation>
        </message>
        <message>
            <source>PIN</source>
            <translation>PIN</translation>
        </message>
        <message>
            <source>Confirm (Enter)</source>
            <translation>Confirm (Enter)</translation>
        </message>
        <message>
            <source>Cancel (Esc)</source>
            <translation>Cancel (Esc)</translation>
        </message>
        <message>
            <source>Manager PIN needed: {why}</source>
            <translation>Manager PIN needed: {why}</translation>
        </message>
    </context>
    <context>
        <name>SyncModels</name>
        <message>
            <source>Bind</source>
            <translation>Bind</translation>
        </message>
        <message>
            <source>Transfer</source>
            <translation>Transfer</translation>
        </message>
        <message>
            <source>End binding</source>
            <translation>End binding</translation>
        </message>
        <message>
            <source>Enroll</source>
            <translation>Enroll</translation>
        </message>
        <message>
            <source>Declined to join</source>
            <translation>Declined to join</translation>
        </message>
        <message>
            <source>Add tag</source>
            <translation>Add tag</translation>
        </message>
        <message>
            <source>Remove tag</source>
            <translation>Remove tag</translation>
        </message>
        <message>
            <source>Note</source>
            <translation>Note</translation>
        </message>
        <message>
            <source>Follow-up</source>
            <translation>Follow-up</translation>
        </message>
        <message>
            <source>Assign task</source>
            <translation>Assign task</translation>
        </message>
        <message>
            <source>Task done</source>
            <translation>Task done</translation>
        </message>
        <message>
            <source>Visit</source>
            <translation>Visit</translation>
        </message>
        <message>
            <source>Audit record</source>
            <translation>Audit record</translation>
        </message>
        <message>
            <source>waiting</source>
            <translation>waiting</translation>
        </message>
        <message>
            <source>sent, no answer yet</source>
            <translation>sent, no answer yet</translation>
        </message>
        <message>
            <source>refused</source>
            <translation>refused</translation>
        </message>
        <message>
            <source>#</source>
            <translation>#</translation>
        </message>
        <message>
            <source>When</source>
            <translation>When</translation>
        </message>
        <message>
            <source>What</source>
            <translation>What</translation>
        </message>
        <message>
            <source>Member</source>
            <translation>Member</translation>
        </message>
        <message>
            <source>Guide</source>
            <translation>Guide</translation>
        </message>
        <message>
            <source>State</source>
            <translation>State</translation>
        </message>
        <message>
            <source>Why HQ refused</source>
            <translation>Why HQ refused</translation>
        </message>
        <message>
            <source>Our guide</source>
            <translation>Our guide</translation>
        </message>
        <message>
            <source>Won by</source>
            <translation>Won by</translation>
        </message>
        <message>
            <source>Store</source>
            <translation>Store</translation>
        </message>
    </context>
    <context>
        <name>SyncPage</name>
        <message>
            <source>Sync now (F5)</source>
            <translation>Sync now (F5)</translation>
        </message>
        <message>
            <source>Waiting for HQ ({n})</source>
            <translation>Waiting for HQ ({n})</translation>
        </message>
        <message>
            <source>Refused by HQ ({n})</source>
            <translation>Refused by HQ ({n})</translation>
        </message>
        <message>
            <source>Binding conflicts ({n})</source>
            <translation>Binding conflicts ({n})</translation>
        </message>
        <message>
            <source>Outbox &amp; conflicts</source>
            <translation>Outbox &amp; conflicts</translation>
        </message>
    </context>
    <context>
        <name>SyncStatusBar</name>
        <message>
            <source>Sync now (F5)</source>
            <translation>Sync now (F5)</translation>
        </message>
        <message>
            <source>● Syncing…</source>
            <translation>● Syncing…</translation>
        </message>
        <message>
            <source>● Online</source>
            <translation>● Online</translation>
        </message>
        <message>
            <source>● Offline: working locally</source>
            <translation>● Offline: working locally</translation>
        </message>
        <message>
            <source>○ Not synced yet</source>
            <translation>○ Not synced yet</translation>
        </message>
        <message>
            <source>Waiting for HQ: {n}</source>
            <translation>Waiting for HQ: {n}</translation>
        </message>
        <message>
            <source>Last sync: never</source>
            <translation>Last sync: never</translation>
        </message>
        <message>
            <source>Last sync: {t}</source>
            <translation>Last sync: {t}</translation>
        </message>
        <message>
            <source>Refused by HQ: {n}</source>
            <translation>Refused by HQ: {n}</translation>
        </message>
        <message>
            <source>This PC's clock is {m} min off HQ</source>
            <translation>This PC's clock is {m} min off HQ</translation>
        </message>
    </context>
    <context>
        <name>app</name>
        <message>
            <source>Something went wrong. What you saved is safe. If it happens again, send this log file to support:
{path}</source>
            <translation>Something went wrong. What you saved is safe. If it happens again, send this log file to support:
{path}</translation>
        </message>
        <message>
            <source>GuideDesk</source>
            <translation>GuideDesk</translation>
        </message>
    </context>
    <context>
        <name>messages</name>
        <message>
            <source>Unknown code. Ask the shopper for their member code.</source>
            <translation>Unknown code. Ask the shopper for their member code.</translation>
        </message>
        <message>
            <source>This is a payment code. Please ask for the member code instead.</source>
            <translation>This is a payment code. Please ask for the member code instead.</translation>
        </message>
        <message>
            <source>The member code is damaged. Ask the shopper to refresh it.</source>
            <translation>The member code is damaged. Ask the shopper to refresh it.</translation>
        </message>
        <message>
            <source>This member code was signed with a key this counter does not know yet. Sync, then scan again.</source>
            <translation>This member code was signed with a key this counter does not know yet. Sync, then scan again.</translation>
        </message>
        <message>
            <source>This member code is not genuine (signature check failed).</source>
            <translation>This member code is not genuine (signature check failed).</translation>
        </message>
        <message>
            <source>The member code has expired. Ask the shopper to refresh it in the mini-program.</source>
            <translation>The member code has expired. Ask the shopper to refresh it in the mini-program.</translation>
        </message>
        <message>
            <source>The member code is not valid yet. Check the clock of this computer.</source>
            <translation>The member code is not valid yet. Check the clock of this computer.</translation>
        </message>
        <message>
            <source>This member code was already used. Ask the shopper to refresh it.</source>
            <translation>This member code was already used. Ask the shopper to refresh it.</translation>
        </message>
        <message>
            <source>This member is not on this workstation yet. Enroll them, or retry when online.</source>
            <translation>This member is not on this workstation yet. Enroll them, or retry when online.</translation>
        </message>
        <message>
            <source>Looking the member up at HQ…</source>
            <translation>Looking the member up at HQ…</translation>
        </message>
        <message>
            <source>HQ does not know this member.</source>
            <translation>HQ does not know this member.</translation>
        </message>
        <message>
            <source>HQ did not accept this member code.</source>
            <translation>HQ did not accept this member code.</translation>
        </message>
        <message>
            <source>Wrong employee number or PIN. {attempts_left} tries left.</source>
            <translation>Wrong employee number or PIN. {attempts_left} tries left.</translation>
        </message>
        <message>
            <source>Too many wrong PINs. Locked for {minutes} more minute(s).</source>
            <translation>Too many wrong PINs. Locked for {minutes} more minute(s).</translation>
        </message>
        <message>
            <source>This employee is no longer active at this store.</source>
            <translation>This employee is no longer active at this store.</translation>
        </message>
        <message>
            <source>This needs a store manager's PIN.</source>
            <translation>This needs a store manager's PIN.</translation>
        </message>
        <message>
            <source>Enter your employee number.</source>
            <translation>Enter your employee number.</translation>
        </message>
        <message>
            <source>No such employee at this store.</source>
            <translation>No such employee at this store.</translation>
        </message>
        <message>
            <source>No guides on this workstation yet: sync with HQ first.</source>
            <translation>No guides on this workstation yet: sync with HQ first.</translation>
        </message>
        <message>
            <source>This member is already bound to you.</source>
            <translation>This member is already bound to you.</translation>
        </message>
        <message>
            <source>A binding for this member is still waiting for HQ.</source>
            <translation>A binding for this member is still waiting for HQ.</translation>
        </message>
        <message>
            <source>This member belongs to another store: scan their member code to bind them here.</source>
            <translation>This member belongs to another store: scan their member code to bind them here.</translation>
        </message>
        <message>
            <source>Bound to {guide_name} at {store_name} (another store): cannot bind here.</source>
            <translation>Bound to {guide_name} at {store_name} (another store): cannot bind here.</translation>
        </message>
        <message>
            <source>Bound to {guide_name}, protected until {protected_until}. Ask for a transfer instead.</source>
            <translation>Bound to {guide_name}, protected until {protected_until}. Ask for a transfer instead.</translation>
        </message>
        <message>
            <source>HQ refused: the member was bound to {winner_guide_name} ({winner_store_name}) first.</source>
            <translation>HQ refused: the member was bound to {winner_guide_name} ({winner_store_name}) first.</translation>
        </message>
        <message>
            <source>HQ refused: another binding of this member came first.</source>
            <translation>HQ refused: another binding of this member came first.</translation>
        </message>
        <message>
            <source>The binding changed meanwhile; scan again.</source>
            <translation>The binding changed meanwhile; scan again.</translation>
        </message>
        <message>
            <source>The current binding is not confirmed by HQ yet; sync first.</source>
            <translation>The current binding is not confirmed by HQ yet; sync first.</translation>
        </message>
        <message>
            <source>This member is not bound to anyone: bind them instead.</source>
            <translation>This member is not bound to anyone: bind them instead.</translation>
        </message>
        <message>
            <source>The member is already bound to that guide.</source>
            <translation>The member is already bound to that guide.</translation>
        </message>
        <message>
            <source>A transfer request for this member is already open.</source>
            <translation>A transfer request for this member is already open.</translation>
        </message>
        <message>
            <source>The reason is too long.</source>
            <translation>The reason is too long.</translation>
        </message>
        <message>
            <source>This request was already decided.</source>
            <translation>This request was already decided.</translation>
        </message>
        <message>
            <source>Unknown transfer request.</source>
            <translation>Unknown transfer request.</translation>
        </message>
        <message>
            <source>The shopper's consent to the privacy notice is required to enroll.</source>
            <translation>The shopper's consent to the privacy notice is required to enroll.</translation>
        </message>
        <message>
            <source>The shopper's consent is missing.</source>
            <translation>The shopper's consent is missing.</translation>
        </message>
        <message>
            <source>This phone number is already a member.</source>
            <translation>This phone number is already a member.</translation>
        </message>
        <message>
            <source>HQ stopped taking new members from this workstation for today: too many of the numbers tried were members already. Call HQ.</source>
            <translation>HQ stopped taking new members from this workstation for today: too many of the numbers tried were members already. Call HQ.</translation>
        </message>
        <message>
            <source>Enter an 11-digit mainland mobile number.</source>
            <translation>Enter an 11-digit mainland mobile number.</translation>
        </message>
        <message>
            <source>Enter the shopper's name.</source>
            <translation>Enter the shopper's name.</translation>
        </message>
        <message>
            <source>This member has no phone number on file.</source>
            <translation>This member has no phone number on file.</translation>
        </message>
        <message>
            <source>The note is empty or too long.</source>
            <translation>The note is empty or too long.</translation>
        </message>
        <message>
            <source>The reason is not valid.</source>
            <translation>The reason is not valid.</translation>
        </message>
        <message>
            <source>This tag is not available at this store.</source>
            <translation>This tag is not available at this store.</translation>
        </message>
        <message>
            <source>HQ could not issue that card number.</source>
            <translation>HQ could not issue that card number.</translation>
        </message>
        <message>
            <source>This task is already closed.</source>
            <translation>This task is already closed.</translation>
        </message>
        <message>
            <source>Unknown task.</source>
            <translation>Unknown task.</translation>
        </message>
        <message>
            <source>The follow-up date is not valid.</source>
            <translation>The follow-up date is not valid.</translation>
        </message>
        <message>
            <source>This member was contacted {used} times in {window_days} days (limit {limit}).</source>
            <translation>This member was contacted {used} times in {window_days} days (limit {limit}).</translation>
        </message>
        <message>
            <source>Cannot reach HQ. Check the address and the network.</source>
            <translation>Cannot reach HQ. Check the address and the network.</translation>
        </message>
        <message>
            <source>The secure connection to HQ failed (certificate not trusted). Check the address.</source>
            <translation>The secure connection to HQ failed (certificate not trusted). Check the address.</translation>
        </message>
        <message>
            <source>The connection to HQ broke off. It will retry.</source>
            <translation>The connection to HQ broke off. It will retry.</translation>
        </message>
        <message>
            <source>The request to HQ failed. Check the address.</source>
            <translation>The request to HQ failed. Check the address.</translation>
        </message>
        <message>
            <source>HQ had a problem. It will retry later.</source>
            <translation>HQ had a problem. It will retry later.</translation>
        </message>
        <message>
            <source>That address does not answer like a GuideDesk HQ.</source>
            <translation>That address does not answer like a GuideDesk HQ.</translation>
        </message>
        <message>
            <source>This enrollment code is not valid. Check it with HQ.</source>
            <translation>This enrollment code is not valid. Check it with HQ.</translation>
        </message>
        <message>
            <source>This enrollment code was already used. Ask HQ for a new one.</source>
            <translation>This enrollment code was already used. Ask HQ for a new one.</translation>
        </message>
        <message>
            <source>This enrollment code has expired. Ask HQ for a new one.</source>
            <translation>This enrollment code has expired. Ask HQ for a new one.</translation>
        </message>
        <message>
            <source>Too many failed tries. Wait {retry_after} seconds.</source>
            <translation>Too many failed tries. Wait {retry_after} seconds.</translation>
        </message>
        <message>
            <source>This workstation is already enrolled.</source>
            <translation>This workstation is already enrolled.</translation>
        </message>
        <message>
            <source>This workstation is not enrolled with HQ yet.</source>
            <translation>This workstation is not enrolled with HQ yet.</translation>
        </message>
        <message>
            <source>HQ has revoked this workstation. Ask HQ for a new enrollment code.</source>
            <translation>HQ has revoked this workstation. Ask HQ for a new enrollment code.</translation>
        </message>
        <message>
            <source>HQ needs a newer GuideDesk. Please update.</source>
            <translation>HQ needs a newer GuideDesk. Please update.</translation>
        </message>
        <message>
            <source>HQ did not accept this workstation's key.</source>
            <translation>HQ did not accept this workstation's key.</translation>
        </message>
        <message>
            <source>Enter HQ's address, e.g. https://hq.example.cn</source>
            <translation>Enter HQ's address, e.g. https://hq.example.cn</translation>
        </message>
        <message>
            <source>HQ's address must start with https:// — plain http would send this workstation's key and members' phone numbers readable over the network. Ask IT for the https address.</source>
            <translation>HQ's address must start with https:// — plain http would send this workstation's key and members' phone numbers readable over the network. Ask IT for the https address.</translation>
        </message>
        <message>
            <source>This is not an HQ address. Enter it like https://hq.example.cn</source>
            <translation>This is not an HQ address. Enter it like https://hq.example.cn</translation>
        </message>
        <message>
            <source>The system keyring could not be read, so phone numbers cannot be opened. Unlock the keyring (sign in to Windows again) and restart GuideDesk. Nothing was changed.</source>
            <translation>The system keyring could not be read, so phone numbers cannot be opened. Unlock the keyring (sign in to Windows again) and restart GuideDesk. Nothing was changed.</translation>
        </message>
        <message>
            <source>The key that protects this workstation's phone numbers is missing from the system keyring. Restore it (or this PC's user profile) and restart; a new key would make the stored phones unreadable, so none was made. Call IT support.</source>
            <translation>The key that protects this workstation's phone numbers is missing from the system keyring. Restore it (or this PC's user profile) and restart; a new key would make the stored phones unreadable, so none was made. Call IT support.</translation>
        </message>
        <message>
            <source>The system keyring holds a different key than the one this workstation's phone numbers were protected with. Restore the original key and restart; nothing was overwritten. Call IT support.</source>
            <translation>The system keyring holds a different key than the one this workstation's phone numbers were protected with. Restore the original key and restart; nothing was overwritten. Call IT support.</translation>
        </message>
        <message>
            <source>A sync is already running.</source>
            <translation>A sync is already running.</translation>
        </message>
        <message>
            <source>Cancelled. It continues where it stopped next time.</source>
            <translation>Cancelled. It continues where it stopped next time.</translation>
        </message>
        <message>
            <source>Something went wrong ({code}). What was saved stays saved; the log has details.</source>
            <translation>Something went wrong ({code}). What was saved stays saved; the log has details.</translation>
        </message>
    </context>
    <context>
        <name>pages</name>
        <message>
            <source>Counter</source>
            <translation>Counter</translation>
        </message>
        <message>
            <source>Outbox &amp; conflicts</source>
            <translation>Outbox &amp; conflicts</translation>
        </message>
        <message>
            <source>Members</source>
            <translation>Members</translation>
        </message>
        <message>
            <source>Tasks</source>
            <translation>Tasks</translation>
        </message>
        <message>
            <source>Store stats</source>
            <translation>Store stats</translation>
        </message>
        <message>
            <source>Transfers &amp; departures</source>
            <translation>Transfers &amp; departures</translation>
        </message>
        <message>
            <source>My QR code</source>
            <translation>My QR code</translation>
        </message>
        <message>
            <source>Settings</source>
            <translation>Settings</translation>
        </message>
    </context>
</TS>
