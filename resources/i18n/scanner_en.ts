<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>ScannerSettings</name>
    <message>
        <source>Scanner</source>
        <translation>Scanner</translation>
    </message>
    <message>
        <source>Keyboard mode (USB HID)</source>
        <translation>Keyboard mode (USB HID)</translation>
    </message>
    <message>
        <source>Serial mode (USB-COM)</source>
        <translation>Serial mode (USB-COM)</translation>
    </message>
    <message>
        <source>Sounds for ok / refused / error</source>
        <translation>Sounds for ok / refused / error</translation>
    </message>
    <message>
        <source>Mode</source>
        <translation>Mode</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>Port</translation>
    </message>
    <message>
        <source>Speed (baud)</source>
        <translation>Speed (baud)</translation>
    </message>
    <message>
        <source>Test</source>
        <translation>Test</translation>
    </message>
    <message>
        <source>Listening on %1</source>
        <translation>Listening on %1</translation>
    </message>
    <message>
        <source>The serial port could not be opened: %1</source>
        <translation>The serial port could not be opened: %1</translation>
    </message>
</context>
<context>
    <name>scanner</name>
    <message>
        <source>No scan yet: scan any code to test the scanner.</source>
        <translation>No scan yet: scan any code to test the scanner.</translation>
    </message>
    <message>
        <source>all at once</source>
        <translation>all at once</translation>
    </message>
    <message>
        <source>%1 characters per second</source>
        <translation>%1 characters per second</translation>
    </message>
    <message>
        <source>%1 characters</source>
        <translation>%1 characters</translation>
    </message>
    <message>
        <source>dynamic member code arrived whole</source>
        <translation>dynamic member code arrived whole</translation>
    </message>
    <message>
        <source>dynamic member code arrived broken (check CapsLock and the keyboard layout)</source>
        <translation>dynamic member code arrived broken (check CapsLock and the keyboard layout)</translation>
    </message>
    <message>
        <source>typed at a person&apos;s speed, not a scanner&apos;s</source>
        <translation>typed at a person&apos;s speed, not a scanner&apos;s</translation>
    </message>
    <message>
        <source>, </source>
        <translation>, </translation>
    </message>
    <message>
        <source>Last scan: %1</source>
        <translation>Last scan: %1</translation>
    </message>
</context>
</TS>
