<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
    <context>
        <name>CounterPage</name>
        <message>
            <source>Scan a member code or type a phone number</source>
            <translation>扫会员码，或输入手机号</translation>
        </message>
    </context>
</TS>
