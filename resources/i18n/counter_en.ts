<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
    <context>
        <name>CounterPage</name>
        <message>
            <source>Scan a member code or type a phone number</source>
            <translation>Scan a member code or type a phone number</translation>
        </message>
    </context>
</TS>
