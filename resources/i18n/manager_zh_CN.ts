<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>GuideQrPage</name>
    <message>
        <source>{name} · your exclusive guide</source>
        <translation>{name} · 您的专属导购</translation>
    </message>
    <message>
        <source>Scan to make me your exclusive guide (专属导购)</source>
        <translation>扫码绑定我为您的专属导购</translation>
    </message>
    <message>
        <source>poster</source>
        <translation>海报</translation>
    </message>
    <message>
        <source>label</source>
        <translation>台卡</translation>
    </message>
    <message>
        <source>Save the QR {kind} as PDF</source>
        <translation>将二维码{kind}保存为 PDF</translation>
    </message>
    <message>
        <source>PDF (*.pdf)</source>
        <translation>PDF 文件 (*.pdf)</translation>
    </message>
    <message>
        <source>Saved {path}</source>
        <translation>已保存 {path}</translation>
    </message>
    <message>
        <source>Save A4 poster (PDF)…</source>
        <translation>保存 A4 海报（PDF）…</translation>
    </message>
    <message>
        <source>Save A6 counter label (PDF)…</source>
        <translation>保存 A6 台卡（PDF）…</translation>
    </message>
    <message>
        <source>Print…</source>
        <translation>打印…</translation>
    </message>
</context>
<context>
    <name>GuideStatsTableModel</name>
    <message>
        <source>Guide</source>
        <translation>导购</translation>
    </message>
    <message>
        <source>Served</source>
        <translation>接待</translation>
    </message>
    <message>
        <source>Bindings</source>
        <translation>绑定</translation>
    </message>
    <message>
        <source>Enrollments</source>
        <translation>拉新</translation>
    </message>
    <message>
        <source>Paid members</source>
        <translation>付费会员</translation>
    </message>
    <message>
        <source>Declines</source>
        <translation>拒绝入会</translation>
    </message>
    <message>
        <source>Join rate</source>
        <translation>入会率</translation>
    </message>
    <message>
        <source>Tasks done</source>
        <translation>完成任务</translation>
    </message>
    <message>
        <source>Tasks overdue</source>
        <translation>逾期任务</translation>
    </message>
    <message>
        <source>Transfers</source>
        <translation>换绑</translation>
    </message>
    <message>
        <source>Store total</source>
        <translation>门店合计</translation>
    </message>
</context>
<context>
    <name>MemberCardDialog</name>
    <message>
        <source>Card no: {n}</source>
        <translation>卡号：{n}</translation>
    </message>
    <message>
        <source>Phone: {p}</source>
        <translation>手机：{p}</translation>
    </message>
    <message>
        <source>Level: {l}</source>
        <translation>等级：{l}</translation>
    </message>
    <message>
        <source>Sleeping</source>
        <translation>沉睡</translation>
    </message>
    <message>
        <source>Stage: {s}</source>
        <translation>分层：{s}</translation>
    </message>
    <message>
        <source>Tags: {t}</source>
        <translation>标签：{t}</translation>
    </message>
    <message>
        <source>Unbound</source>
        <translation>未绑定</translation>
    </message>
    <message>
        <source>pending HQ</source>
        <translation>待总部确认</translation>
    </message>
    <message>
        <source>Bound guide: {g}</source>
        <translation>专属导购：{g}</translation>
    </message>
    <message>
        <source>Last visit: {v}</source>
        <translation>最近到店：{v}</translation>
    </message>
    <message>
        <source>Open tasks: {n}</source>
        <translation>待办任务：{n}</translation>
    </message>
    <message>
        <source>Notes: {n}</source>
        <translation>备注：{n}</translation>
    </message>
    <message>
        <source>Bound to you (waiting for HQ to confirm).</source>
        <translation>已绑定给您（等待总部确认）。</translation>
    </message>
    <message>
        <source>Note saved.</source>
        <translation>备注已保存。</translation>
    </message>
    <message>
        <source>Member card</source>
        <translation>会员卡片</translation>
    </message>
    <message>
        <source>Bind to me</source>
        <translation>绑定给我</translation>
    </message>
    <message>
        <source>Note for this member</source>
        <translation>给该会员写备注</translation>
    </message>
    <message>
        <source>Add note</source>
        <translation>添加备注</translation>
    </message>
</context>
<context>
    <name>MembersPage</name>
    <message>
        <source>All tags</source>
        <translation>全部标签</translation>
    </message>
    <message>
        <source>All stages</source>
        <translation>全部分层</translation>
    </message>
    <message>
        <source>Anyone&apos;s members</source>
        <translation>全部会员</translation>
    </message>
    <message>
        <source>My members</source>
        <translation>我的会员</translation>
    </message>
    <message>
        <source>Unbound</source>
        <translation>未绑定</translation>
    </message>
    <message>
        <source>Counting…</source>
        <translation>正在统计…</translation>
    </message>
    <message>
        <source>{n} members</source>
        <translation>共 {n} 位会员</translation>
    </message>
    <message>
        <source>More than {n} members</source>
        <translation>超过 {n} 位会员</translation>
    </message>
    <message>
        <source>Search: name, card number or last 4 phone digits</source>
        <translation>搜索：姓名、卡号或手机尾号后四位</translation>
    </message>
    <message>
        <source>Sleeping only</source>
        <translation>只看沉睡</translation>
    </message>
</context>
<context>
    <name>MembersTableModel</name>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>手机</translation>
    </message>
    <message>
        <source>Level</source>
        <translation>等级</translation>
    </message>
    <message>
        <source>Stage</source>
        <translation>分层</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>Bound guide</source>
        <translation>专属导购</translation>
    </message>
    <message>
        <source>Last visit</source>
        <translation>最近到店</translation>
    </message>
    <message>
        <source>Visitor</source>
        <translation>浅客</translation>
    </message>
    <message>
        <source>Registered</source>
        <translation>注册</translation>
    </message>
    <message>
        <source>First order</source>
        <translation>首单</translation>
    </message>
    <message>
        <source>Experience officer</source>
        <translation>体验官</translation>
    </message>
    <message>
        <source>Ambassador (KOC)</source>
        <translation>推荐官</translation>
    </message>
    <message>
        <source>Made here, waiting for HQ to confirm</source>
        <translation>在本机办理，等待总部确认</translation>
    </message>
    <message>
        <source>Sleeping</source>
        <translation>沉睡</translation>
    </message>
    <message>
        <source>Unbound</source>
        <translation>未绑定</translation>
    </message>
    <message>
        <source>Unbound (pending HQ)</source>
        <translation>未绑定（待总部确认）</translation>
    </message>
    <message>
        <source>pending HQ</source>
        <translation>待总部确认</translation>
    </message>
</context>
<context>
    <name>SettingsPage</name>
    <message>
        <source>System default</source>
        <translation>系统默认</translation>
    </message>
    <message>
        <source>GuideDesk {version}</source>
        <translation>导购台 {version}</translation>
    </message>
    <message>
        <source>Data folder: {path}</source>
        <translation>数据目录：{path}</translation>
    </message>
    <message>
        <source>Device id: {id}</source>
        <translation>设备编号：{id}</translation>
    </message>
    <message>
        <source>Store: {name}</source>
        <translation>门店：{name}</translation>
    </message>
    <message>
        <source>HQ: {url}</source>
        <translation>总部：{url}</translation>
    </message>
    <message>
        <source>Last sync: {at}</source>
        <translation>最近同步：{at}</translation>
    </message>
    <message>
        <source>General</source>
        <translation>常规</translation>
    </message>
    <message>
        <source>Scanner</source>
        <translation>扫码枪</translation>
    </message>
    <message>
        <source>Counter</source>
        <translation>收银台</translation>
    </message>
    <message>
        <source>About</source>
        <translation>关于</translation>
    </message>
    <message>
        <source>HQ address</source>
        <translation>总部地址</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Printer</source>
        <translation>打印机</translation>
    </message>
    <message>
        <source>Scanner type</source>
        <translation>扫码枪类型</translation>
    </message>
    <message>
        <source>Serial port</source>
        <translation>串口</translation>
    </message>
    <message>
        <source>Baud rate</source>
        <translation>波特率</translation>
    </message>
    <message>
        <source>Self-test</source>
        <translation>自检</translation>
    </message>
    <message>
        <source>Sounds</source>
        <translation>提示音</translation>
    </message>
    <message>
        <source>Lock after idle (minutes, 0 = never)</source>
        <translation>空闲自动锁定（分钟，0 为不锁定）</translation>
    </message>
    <message>
        <source>Keyboard (USB HID)</source>
        <translation>键盘模式（USB HID）</translation>
    </message>
    <message>
        <source>Serial port (USB-COM)</source>
        <translation>串口模式（USB-COM）</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Scan any code here (or anywhere on this page)</source>
        <translation>在此扫任意码（本页任意位置均可）</translation>
    </message>
    <message>
        <source>Play a sound after each scan</source>
        <translation>每次扫码后播放提示音</translation>
    </message>
</context>
<context>
    <name>StatsPage</name>
    <message>
        <source>Online rate (在线率): {rate}   ·   {start} – {end}</source>
        <translation>老客户在线率：{rate}   ·   {start} 至 {end}</translation>
    </message>
    <message>
        <source>rejected by HQ</source>
        <translation>被总部拒绝</translation>
    </message>
    <message>
        <source>(won by {name})</source>
        <translation>（被 {name} 绑定）</translation>
    </message>
    <message>
        <source>{day} {guide}: {what} counted here {here}, at HQ {hq} — {why}</source>
        <translation>{day} {guide}：{what} 本机计 {here}，总部计 {hq} —— {why}</translation>
    </message>
    <message>
        <source>Where HQ&apos;s figures differ from this counter&apos;s:</source>
        <translation>总部数据与本机不一致的日子：</translation>
    </message>
    <message>
        <source>bindings</source>
        <translation>绑定</translation>
    </message>
    <message>
        <source>enrollments</source>
        <translation>拉新</translation>
    </message>
    <message>
        <source>paid members</source>
        <translation>付费会员</translation>
    </message>
    <message>
        <source>transfers</source>
        <translation>换绑</translation>
    </message>
    <message>
        <source>declines</source>
        <translation>拒绝入会</translation>
    </message>
    <message>
        <source>served</source>
        <translation>接待</translation>
    </message>
    <message>
        <source>tasks done</source>
        <translation>完成任务</translation>
    </message>
    <message>
        <source>Day</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Employee no</source>
        <translation>工号</translation>
    </message>
    <message>
        <source>Daily</source>
        <translation>每日明细</translation>
    </message>
    <message>
        <source>Totals</source>
        <translation>汇总</translation>
    </message>
    <message>
        <source>Excel workbook (*.xlsx)</source>
        <translation>Excel 工作簿 (*.xlsx)</translation>
    </message>
    <message>
        <source>CSV, UTF-8 (*.csv)</source>
        <translation>CSV（UTF-8）(*.csv)</translation>
    </message>
    <message>
        <source>Export stats</source>
        <translation>导出数据</translation>
    </message>
    <message>
        <source>Saved {rows} rows to {path}</source>
        <translation>已导出 {rows} 行到 {path}</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今天</translation>
    </message>
    <message>
        <source>This week</source>
        <translation>本周</translation>
    </message>
    <message>
        <source>This month</source>
        <translation>本月</translation>
    </message>
    <message>
        <source>Custom</source>
        <translation>自定义</translation>
    </message>
    <message>
        <source>Export XLSX…</source>
        <translation>导出 XLSX…</translation>
    </message>
    <message>
        <source>Export CSV…</source>
        <translation>导出 CSV…</translation>
    </message>
    <message>
        <source>Bindings</source>
        <translation>绑定</translation>
    </message>
    <message>
        <source>Enrollments</source>
        <translation>拉新</translation>
    </message>
    <message>
        <source>Join rate (%)</source>
        <translation>入会率（%）</translation>
    </message>
    <message>
        <source>Trend per day</source>
        <translation>每日趋势</translation>
    </message>
</context>
<context>
    <name>TaskListsTableModel</name>
    <message>
        <source>Task list</source>
        <translation>任务清单</translation>
    </message>
    <message>
        <source>From</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>截止</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>进度</translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation>逾期</translation>
    </message>
    <message>
        <source>HQ</source>
        <translation>总部</translation>
    </message>
    <message>
        <source>Store</source>
        <translation>门店</translation>
    </message>
</context>
<context>
    <name>TasksPage</name>
    <message>
        <source>Reached</source>
        <translation>已联系上</translation>
    </message>
    <message>
        <source>Not reached</source>
        <translation>未联系上</translation>
    </message>
    <message>
        <source>Call back</source>
        <translation>需回电</translation>
    </message>
    <message>
        <source>Declined</source>
        <translation>拒绝</translation>
    </message>
    <message>
        <source>Overdue ({n})</source>
        <translation>逾期（{n}）</translation>
    </message>
    <message>
        <source>Today ({n})</source>
        <translation>今天（{n}）</translation>
    </message>
    <message>
        <source>Upcoming ({n})</source>
        <translation>即将到期（{n}）</translation>
    </message>
    <message>
        <source>No due date ({n})</source>
        <translation>无截止日期（{n}）</translation>
    </message>
    <message>
        <source>All open in the store</source>
        <translation>全店待办</translation>
    </message>
    <message>
        <source>My tasks</source>
        <translation>我的任务</translation>
    </message>
    <message>
        <source>Tasks of {name}</source>
        <translation>{name} 的任务</translation>
    </message>
    <message>
        <source>Assign to {name}</source>
        <translation>分配给 {name}</translation>
    </message>
    <message>
        <source>{outcome} — note (optional), Enter completes, Esc cancels</source>
        <translation>{outcome} —— 备注（可选），回车完成，Esc 取消</translation>
    </message>
    <message>
        <source>Script: {script}</source>
        <translation>话术：{script}</translation>
    </message>
    <message>
        <source>Contacts with {name} in the last {days} days: {used} of {limit}.</source>
        <translation>近 {days} 天已联系 {name} {used} 次（上限 {limit} 次）。</translation>
    </message>
    <message>
        <source>Contact budget spent: one more call or message is too many.</source>
        <translation>联系次数已用完：再联系会打扰会员。</translation>
    </message>
    <message>
        <source>Done: {name} — {outcome}.</source>
        <translation>已完成：{name} —— {outcome}。</translation>
    </message>
    <message>
        <source>Press Enter again to complete anyway (recorded), Esc to cancel.</source>
        <translation>再按回车仍然完成（将记录在案），按 Esc 取消。</translation>
    </message>
    <message>
        <source>Assign tasks</source>
        <translation>分配任务</translation>
    </message>
    <message>
        <source>{n} task(s) assigned to {name}.</source>
        <translation>已将 {n} 项任务分配给 {name}。</translation>
    </message>
    <message>
        <source>Select a task, press 1 reached · 2 not reached · 3 call back · 4 declined</source>
        <translation>选中任务后按 1 已联系上 · 2 未联系上 · 3 需回电 · 4 拒绝</translation>
    </message>
    <message>
        <source>Keys: 1 reached · 2 not reached · 3 call back · 4 declined, then Enter.</source>
        <translation>快捷键：1 已联系上 · 2 未联系上 · 3 需回电 · 4 拒绝，再按回车。</translation>
    </message>
    <message>
        <source>Assign selected</source>
        <translation>分配所选</translation>
    </message>
    <message>
        <source>Task lists and their progress (click one to show only its items)</source>
        <translation>任务清单及进度（点击只看该清单）</translation>
    </message>
</context>
<context>
    <name>TasksTableModel</name>
    <message>
        <source>Call</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>消息</translation>
    </message>
    <message>
        <source>Invite</source>
        <translation>邀约</translation>
    </message>
    <message>
        <source>Visit</source>
        <translation>到店</translation>
    </message>
    <message>
        <source>Member</source>
        <translation>会员</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>截止</translation>
    </message>
    <message>
        <source>Assigned to</source>
        <translation>负责人</translation>
    </message>
    <message>
        <source>Task list</source>
        <translation>任务清单</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Nobody yet</source>
        <translation>尚未分配</translation>
    </message>
    <message>
        <source>pending HQ</source>
        <translation>待总部确认</translation>
    </message>
</context>
<context>
    <name>TransferRequestsTableModel</name>
    <message>
        <source>Member</source>
        <translation>会员</translation>
    </message>
    <message>
        <source>From</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>To</source>
        <translation>转给</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Asked</source>
        <translation>申请时间</translation>
    </message>
</context>
<context>
    <name>TransfersPage</name>
    <message>
        <source>No transfer requests waiting.</source>
        <translation>暂无待审批的换绑申请。</translation>
    </message>
    <message>
        <source>Choose the departing guide</source>
        <translation>选择离职导购</translation>
    </message>
    <message>
        <source>{name} (left)</source>
        <translation>{name}（已离职）</translation>
    </message>
    <message>
        <source>Approve this transfer</source>
        <translation>批准该换绑</translation>
    </message>
    <message>
        <source>Reject this transfer</source>
        <translation>驳回该换绑</translation>
    </message>
    <message>
        <source>Approved: {member} goes to {guide} (waiting for HQ).</source>
        <translation>已批准：{member} 转给 {guide}（等待总部确认）。</translation>
    </message>
    <message>
        <source>Rejected: {member} stays with {guide}.</source>
        <translation>已驳回：{member} 仍由 {guide} 服务。</translation>
    </message>
    <message>
        <source>Choose who leaves, then one or several colleagues.</source>
        <translation>先选择离职导购，再选择一位或多位接手同事。</translation>
    </message>
    <message>
        <source>{n} members are bound to this guide.</source>
        <translation>该导购名下有 {n} 位会员。</translation>
    </message>
    <message>
        <source>{name}: {n}</source>
        <translation>{name}：{n} 位</translation>
    </message>
    <message>
        <source>They go to {parts}.</source>
        <translation>分配给 {parts}。</translation>
    </message>
    <message>
        <source>Hand over a departing guide&apos;s members</source>
        <translation>离职继承</translation>
    </message>
    <message>
        <source>{n} members handed over (waiting for HQ).</source>
        <translation>已移交 {n} 位会员（等待总部确认）。</translation>
    </message>
    <message>
        <source>Transfer requests waiting for a manager</source>
        <translation>待店长审批的换绑申请</translation>
    </message>
    <message>
        <source>Approve</source>
        <translation>批准</translation>
    </message>
    <message>
        <source>Reject</source>
        <translation>驳回</translation>
    </message>
    <message>
        <source>A guide leaves: hand over their members</source>
        <translation>导购离职：移交名下会员</translation>
    </message>
    <message>
        <source>Departing guide</source>
        <translation>离职导购</translation>
    </message>
    <message>
        <source>Hand over to (one or several):</source>
        <translation>移交给（可多选）：</translation>
    </message>
    <message>
        <source>Hand over</source>
        <translation>移交</translation>
    </message>
</context>
</TS>
