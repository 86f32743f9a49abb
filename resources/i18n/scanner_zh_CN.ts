<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>ScannerSettings</name>
    <message>
        <source>Scanner</source>
        <translation>扫码枪</translation>
    </message>
    <message>
        <source>Keyboard mode (USB HID)</source>
        <translation>键盘模式（USB HID）</translation>
    </message>
    <message>
        <source>Serial mode (USB-COM)</source>
        <translation>串口模式（USB-COM）</translation>
    </message>
    <message>
        <source>Sounds for ok / refused / error</source>
        <translation>成功 / 拒绝 / 错误时播放提示音</translation>
    </message>
    <message>
        <source>Mode</source>
        <translation>模式</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>端口</translation>
    </message>
    <message>
        <source>Speed (baud)</source>
        <translation>速率（波特）</translation>
    </message>
    <message>
        <source>Test</source>
        <translation>测试</translation>
    </message>
    <message>
        <source>Listening on %1</source>
        <translation>正在监听 %1</translation>
    </message>
    <message>
        <source>The serial port could not be opened: %1</source>
        <translation>无法打开串口：%1</translation>
    </message>
</context>
<context>
    <name>scanner</name>
    <message>
        <source>No scan yet: scan any code to test the scanner.</source>
        <translation>尚未扫码：扫任意一个码来测试扫码枪。</translation>
    </message>
    <message>
        <source>all at once</source>
        <translation>一次送达</translation>
    </message>
    <message>
        <source>%1 characters per second</source>
        <translation>每秒 %1 个字符</translation>
    </message>
    <message>
        <source>%1 characters</source>
        <translation>%1 个字符</translation>
    </message>
    <message>
        <source>dynamic member code arrived whole</source>
        <translation>动态会员码完整收到</translation>
    </message>
    <message>
        <source>dynamic member code arrived broken (check CapsLock and the keyboard layout)</source>
        <translation>动态会员码收到时已损坏（请检查大写锁定和键盘布局）</translation>
    </message>
    <message>
        <source>typed at a person&apos;s speed, not a scanner&apos;s</source>
        <translation>按人手输入的速度到达，不像扫码枪</translation>
    </message>
    <message>
        <source>, </source>
        <translation>，</translation>
    </message>
    <message>
        <source>Last scan: %1</source>
        <translation>上次扫码：%1</translation>
    </message>
</context>
</TS>
