<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>GuideQrPage</name>
    <message>
        <source>{name} · your exclusive guide</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Scan to make me your exclusive guide (专属导购)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>poster</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>label</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save the QR {kind} as PDF</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PDF (*.pdf)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved {path}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save A4 poster (PDF)…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save A6 counter label (PDF)…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Print…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>GuideStatsTableModel</name>
    <message>
        <source>Guide</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Served</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bindings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enrollments</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Paid members</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Declines</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Join rate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tasks done</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tasks overdue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Transfers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Store total</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MemberCardDialog</name>
    <message>
        <source>Card no: {n}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Phone: {p}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Level: {l}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sleeping</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stage: {s}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tags: {t}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unbound</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>pending HQ</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bound guide: {g}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last visit: {v}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open tasks: {n}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Notes: {n}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bound to you (waiting for HQ to confirm).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Note saved.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Member card</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bind to me</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Note for this member</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add note</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MembersPage</name>
    <message>
        <source>All tags</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All stages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Anyone&apos;s members</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>My members</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unbound</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Counting…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} members</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>More than {n} members</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search: name, card number or last 4 phone digits</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sleeping only</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MembersTableModel</name>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Phone</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Level</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stage</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tags</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bound guide</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last visit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Visitor</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Registered</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>First order</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Experience officer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ambassador (KOC)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Made here, waiting for HQ to confirm</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sleeping</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unbound</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unbound (pending HQ)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>pending HQ</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SettingsPage</name>
    <message>
        <source>System default</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>GuideDesk {version}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Data folder: {path}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Device id: {id}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Store: {name}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>HQ: {url}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last sync: {at}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>General</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Scanner</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Counter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>About</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>HQ address</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Language</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Printer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Scanner type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Serial port</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Baud rate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Self-test</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sounds</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lock after idle (minutes, 0 = never)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keyboard (USB HID)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Serial port (USB-COM)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Scan any code here (or anywhere on this page)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Play a sound after each scan</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>StatsPage</name>
    <message>
        <source>Online rate (在线率): {rate}   ·   {start} – {end}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>rejected by HQ</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(won by {name})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{day} {guide}: {what} counted here {here}, at HQ {hq} — {why}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Where HQ&apos;s figures differ from this counter&apos;s:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>bindings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>enrollments</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>paid members</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>transfers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>declines</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>served</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>tasks done</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Day</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Employee no</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Daily</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Totals</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Excel workbook (*.xlsx)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CSV, UTF-8 (*.csv)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export stats</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved {rows} rows to {path}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Today</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This week</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This month</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Custom</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export XLSX…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export CSV…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bindings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enrollments</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Join rate (%)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Trend per day</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TaskListsTableModel</name>
    <message>
        <source>Task list</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>From</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Due</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Progress</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>HQ</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Store</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TasksPage</name>
    <message>
        <source>Reached</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not reached</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Call back</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Declined</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Overdue ({n})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Today ({n})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Upcoming ({n})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No due date ({n})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All open in the store</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>My tasks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tasks of {name}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Assign to {name}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{outcome} — note (optional), Enter completes, Esc cancels</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Script: {script}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Contacts with {name} in the last {days} days: {used} of {limit}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Contact budget spent: one more call or message is too many.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Done: {name} — {outcome}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Press Enter again to complete anyway (recorded), Esc to cancel.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Assign tasks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} task(s) assigned to {name}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Select a task, press 1 reached · 2 not reached · 3 call back · 4 declined</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keys: 1 reached · 2 not reached · 3 call back · 4 declined, then Enter.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Assign selected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Task lists and their progress (click one to show only its items)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TasksTableModel</name>
    <message>
        <source>Call</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Invite</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Visit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Member</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Kind</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Due</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Assigned to</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Task list</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>State</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nobody yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>pending HQ</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TransferRequestsTableModel</name>
    <message>
        <source>Member</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>From</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>To</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reason</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Asked</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TransfersPage</name>
    <message>
        <source>No transfer requests waiting.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the departing guide</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{name} (left)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Approve this transfer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reject this transfer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Approved: {member} goes to {guide} (waiting for HQ).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rejected: {member} stays with {guide}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose who leaves, then one or several colleagues.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} members are bound to this guide.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{name}: {n}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>They go to {parts}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hand over a departing guide&apos;s members</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} members handed over (waiting for HQ).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Transfer requests waiting for a manager</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Approve</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reject</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A guide leaves: hand over their members</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Departing guide</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hand over to (one or several):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hand over</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
