<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
    <context>
        <name>CounterDialog</name>
        <message>
            <source>Confirm (Ctrl+Enter)</source>
            <translation>Confirm (Ctrl+Enter)</translation>
        </message>
        <message>
            <source>Cancel (Esc)</source>
            <translation>Cancel (Esc)</translation>
        </message>
    </context>
    <context>
        <name>CounterPage</name>
        <message>
            <source>Scan a member code, or type a card or phone number + Enter</source>
            <translation>Scan a member code, or type a card or phone number + Enter</translation>
        </message>
        <message>
            <source>Note for this member (F6), Ctrl+Enter saves</source>
            <translation>Note for this member (F6), Ctrl+Enter saves</translation>
        </message>
        <message>
            <source>Save note (Ctrl+Enter)</source>
            <translation>Save note (Ctrl+Enter)</translation>
        </message>
        <message>
            <source>Bind to me</source>
            <translation>Bind to me</translation>
        </message>
        <message>
            <source>Request transfer</source>
            <translation>Request transfer</translation>
        </message>
        <message>
            <source>Tags</source>
            <translation>Tags</translation>
        </message>
        <message>
            <source>Note</source>
            <translation>Note</translation>
        </message>
        <message>
            <source>Follow up in N days</source>
            <translation>Follow up in N days</translation>
        </message>
        <message>
            <source>Show phone number</source>
            <translation>Show phone number</translation>
        </message>
        <message>
            <source>Enroll walk-in</source>
            <translation>Enroll walk-in</translation>
        </message>
        <message>
            <source>Declined to join</source>
            <translation>Declined to join</translation>
        </message>
        <message>
            <source>Clear</source>
            <translation>Clear</translation>
        </message>
        <message>
            <source>Demo: show a member code</source>
            <translation>Demo: show a member code</translation>
        </message>
        <message>
            <source>The serial scanner is not answering ({error}). Check the cable and settings.</source>
            <translation>The serial scanner is not answering ({error}). Check the cable and settings.</translation>
        </message>
        <message>
            <source>{name}: card shown</source>
            <translation>{name}: card shown</translation>
        </message>
        <message>
            <source>Scan a member first.</source>
            <translation>Scan a member first.</translation>
        </message>
        <message>
            <source>Bound to you. Waiting for HQ to confirm.</source>
            <translation>Bound to you. Waiting for HQ to confirm.</translation>
        </message>
        <message>
            <source>Transfer requested. A manager decides.</source>
            <translation>Transfer requested. A manager decides.</translation>
        </message>
        <message>
            <source>Tags saved ({n} change(s)).</source>
            <translation>Tags saved ({n} change(s)).</translation>
        </message>
        <message>
            <source>Note saved.</source>
            <translation>Note saved.</translation>
        </message>
        <message>
            <source>Follow-up in {n} days created.</source>
            <translation>Follow-up in {n} days created.</translation>
        </message>
        <message>
            <source>Phone number shown for {s} seconds (recorded).</source>
            <translation>Phone number shown for {s} seconds (recorded).</translation>
        </message>
        <message>
            <source>{name} is a member now. Waiting for HQ to confirm.</source>
            <translation>{name} is a member now. Waiting for HQ to confirm.</translation>
        </message>
        <message>
            <source>Recorded: the shopper declined to join.</source>
            <translation>Recorded: the shopper declined to join.</translation>
        </message>
        <message>
            <source>Asking the local HQ for a member code…</source>
            <translation>Asking the local HQ for a member code…</translation>
        </message>
    </context>
    <context>
        <name>DeclineDialog</name>
        <message>
            <source>Shopper declined to join</source>
            <translation>Shopper declined to join</translation>
        </message>
        <message>
            <source>Record (Ctrl+Enter)</source>
            <translation>Record (Ctrl+Enter)</translation>
        </message>
        <message>
            <source>Reason</source>
            <translation>Reason</translation>
        </message>
        <message>
            <source>No reason given</source>
            <translation>No reason given</translation>
        </message>
        <message>
            <source>No time now</source>
            <translation>No time now</translation>
        </message>
        <message>
            <source>Privacy concerns</source>
            <translation>Privacy concerns</translation>
        </message>
        <message>
            <source>Not interested</source>
            <translation>Not interested</translation>
        </message>
        <message>
            <source>Member of another brand</source>
            <translation>Member of another brand</translation>
        </message>
    </context>
    <context>
        <name>EnrollDialog</name>
        <message>
            <source>Enroll a new member</source>
            <translation>Enroll a new member</translation>
        </message>
        <message>
            <source>Enroll (Ctrl+Enter)</source>
            <translation>Enroll (Ctrl+Enter)</translation>
        </message>
        <message>
            <source>as the shopper gives it</source>
            <translation>as the shopper gives it</translation>
        </message>
        <message>
            <source>The shopper has read the privacy notice and agrees to join ({version})</source>
            <translation>The shopper has read the privacy notice and agrees to join ({version})</translation>
        </message>
        <message>
            <source>Paid member (付费会员)</source>
            <translation>Paid member (付费会员)</translation>
        </message>
        <message>
            <source>Name</source>
            <translation>Name</translation>
        </message>
        <message>
            <source>Mobile</source>
            <translation>Mobile</translation>
        </message>
    </context>
    <context>
        <name>FollowUpDialog</name>
        <message>
            <source>Follow up with {member}</source>
            <translation>Follow up with {member}</translation>
        </message>
        <message>
            <source>Create (Ctrl+Enter)</source>
            <translation>Create (Ctrl+Enter)</translation>
        </message>
        <message>
            <source> days</source>
            <translation> days</translation>
        </message>
        <message>
            <source>optional</source>
            <translation>optional</translation>
        </message>
        <message>
            <source>In</source>
            <translation>In</translation>
        </message>
        <message>
            <source>How</source>
            <translation>How</translation>
        </message>
        <message>
            <source>Note</source>
            <translation>Note</translation>
        </message>
        <message>
            <source>Call</source>
            <translation>Call</translation>
        </message>
        <message>
            <source>Message</source>
            <translation>Message</translation>
        </message>
        <message>
            <source>Invite</source>
            <translation>Invite</translation>
        </message>
        <message>
            <source>Visit</source>
            <translation>Visit</translation>
        </message>
    </context>
    <context>
        <name>MemberCardView</name>
        <message>
            <source>Visitor</source>
            <translation>Visitor</translation>
        </message>
        <message>
            <source>Registered</source>
            <translation>Registered</translation>
        </message>
        <message>
            <source>First order</source>
            <translation>First order</translation>
        </message>
        <message>
            <source>Experience officer</source>
            <translation>Experience officer</translation>
        </message>
        <message>
            <source>Ambassador (KOC)</source>
            <translation>Ambassador (KOC)</translation>
        </message>
        <message>
            <source>Call</source>
            <translation>Call</translation>
        </message>
        <message>
            <source>Message</source>
            <translation>Message</translation>
        </message>
        <message>
            <source>Invite</source>
            <translation>Invite</translation>
        </message>
        <message>
            <source>Visit</source>
            <translation>Visit</translation>
        </message>
        <message>
            <source>Lost to {guide} ({store}): HQ kept their earlier binding</source>
            <translation>Lost to {guide} ({store}): HQ kept their earlier binding</translation>
        </message>
        <message>
            <source>Not bound yet: press F2 to bind to you</source>
            <translation>Not bound yet: press F2 to bind to you</translation>
        </message>
        <message>
            <source>Bound to you, waiting for HQ to confirm</source>
            <translation>Bound to you, waiting for HQ to confirm</translation>
        </message>
        <message>
            <source>Bound to you (protected until {date})</source>
            <translation>Bound to you (protected until {date})</translation>
        </message>
        <message>
            <source>Bound to {guide}, waiting for HQ to confirm</source>
            <translation>Bound to {guide}, waiting for HQ to confirm</translation>
        </message>
        <message>
            <source>Bound to {guide} at this store, protected until {date}</source>
            <translation>Bound to {guide} at this store, protected until {date}</translation>
        </message>
        <message>
            <source>Bound to {guide} at this store, protection over: F2 takes over</source>
            <translation>Bound to {guide} at this store, protection over: F2 takes over</translation>
        </message>
        <message>
            <source>Bound to {guide} at {store} (another store)</source>
            <translation>Bound to {guide} at {store} (another store)</translation>
        </message>
        <message>
            <source>No tags yet (F4 adds one)</source>
            <translation>No tags yet (F4 adds one)</translation>
        </message>
        <message>
            <source>Sleeping</source>
            <translation>Sleeping</translation>
        </message>
        <message>
            <source>Scan a member code to see the member here.</source>
            <translation>Scan a member code to see the member here.</translation>
        </message>
        <message>
            <source>Stage</source>
            <translation>Stage</translation>
        </message>
        <message>
            <source>Phone</source>
            <translation>Phone</translation>
        </message>
        <message>
            <source>Card no.</source>
            <translation>Card no.</translation>
        </message>
        <message>
            <source>Last visit</source>
            <translation>Last visit</translation>
        </message>
        <message>
            <source>Contacts</source>
            <translation>Contacts</translation>
        </message>
        <message>
            <source>Tags</source>
            <translation>Tags</translation>
        </message>
        <message>
            <source>Open tasks</source>
            <translation>Open tasks</translation>
        </message>
        <message>
            <source>Notes</source>
            <translation>Notes</translation>
        </message>
        <message>
            <source>Paid member</source>
            <translation>Paid member</translation>
        </message>
        <message>
            <source>Online</source>
            <translation>Online</translation>
        </message>
        <message>
            <source>No purchase for {days} days</source>
            <translation>No purchase for {days} days</translation>
        </message>
        <message>
            <source>New member, waiting for HQ</source>
            <translation>New member, waiting for HQ</translation>
        </message>
        <message>
            <source>{stage} · sleeping: no purchase for {days} days</source>
            <translation>{stage} · sleeping: no purchase for {days} days</translation>
        </message>
        <message>
            <source>{used} of {limit} in {days} days</source>
            <translation>{used} of {limit} in {days} days</translation>
        </message>
        <message>
            <source>no date</source>
            <translation>no date</translation>
        </message>
        <message>
            <source> (overdue)</source>
            <translation> (overdue)</translation>
        </message>
        <message>
            <source> and {n} more</source>
            <translation> and {n} more</translation>
        </message>
        <message>
            <source>none</source>
            <translation>none</translation>
        </message>
    </context>
    <context>
        <name>RevealDialog</name>
        <message>
            <source>Show {member}'s phone number</source>
            <translation>Show {member}'s phone number</translation>
        </message>
        <message>
            <source>Show number (Ctrl+Enter)</source>
            <translation>Show number (Ctrl+Enter)</translation>
        </message>
        <message>
            <source>what for?</source>
            <translation>what for?</translation>
        </message>
        <message>
            <source>Every reveal is recorded with its purpose.</source>
            <translation>Every reveal is recorded with its purpose.</translation>
        </message>
        <message>
            <source>Purpose</source>
            <translation>Purpose</translation>
        </message>
        <message>
            <source>Details</source>
            <translation>Details</translation>
        </message>
        <message>
            <source>Call the member back</source>
            <translation>Call the member back</translation>
        </message>
        <message>
            <source>Delivery or pick-up</source>
            <translation>Delivery or pick-up</translation>
        </message>
        <message>
            <source>Verify the member's identity</source>
            <translation>Verify the member's identity</translation>
        </message>
        <message>
            <source>Other</source>
            <translation>Other</translation>
        </message>
        <message>
            <source>Say what the number is for.</source>
            <translation>Say what the number is for.</translation>
        </message>
    </context>
    <context>
        <name>TagsDialog</name>
        <message>
            <source>Tags for {member}</source>
            <translation>Tags for {member}</translation>
        </message>
        <message>
            <source>Save tags (Ctrl+Enter)</source>
            <translation>Save tags (Ctrl+Enter)</translation>
        </message>
        <message>
            <source>HQ has not shared any tags with this store yet.</source>
            <translation>HQ has not shared any tags with this store yet.</translation>
        </message>
    </context>
    <context>
        <name>TransferDialog</name>
        <message>
            <source>Request a transfer</source>
            <translation>Request a transfer</translation>
        </message>
        <message>
            <source>Send request (Ctrl+Enter)</source>
            <translation>Send request (Ctrl+Enter)</translation>
        </message>
        <message>
            <source>{member} is bound to {guide}. A manager decides.</source>
            <translation>{member} is bound to {guide}. A manager decides.</translation>
        </message>
        <message>
            <source>Why should the member move to you?</source>
            <translation>Why should the member move to you?</translation>
        </message>
        <message>
            <source>Reason</source>
            <translation>Reason</translation>
        </message>
    </context>
</TS>
