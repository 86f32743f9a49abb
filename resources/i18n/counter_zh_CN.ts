<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
    <context>
        <name>CounterDialog</name>
        <message>
            <source>Confirm (Ctrl+Enter)</source>
            <translation>确认 (Ctrl+Enter)</translation>
        </message>
        <message>
            <source>Cancel (Esc)</source>
            <translation>取消 (Esc)</translation>
        </message>
    </context>
    <context>
        <name>CounterPage</name>
        <message>
            <source>Scan a member code, or type a card or phone number + Enter</source>
            <translation>扫会员码，或输入卡号/手机号后按 Enter</translation>
        </message>
        <message>
            <source>Note for this member (F6), Ctrl+Enter saves</source>
            <translation>给这位会员写备注（F6），Ctrl+Enter 保存</translation>
        </message>
        <message>
            <source>Save note (Ctrl+Enter)</source>
            <translation>保存备注 (Ctrl+Enter)</translation>
        </message>
        <message>
            <source>Bind to me</source>
            <translation>绑定给我</translation>
        </message>
        <message>
            <source>Request transfer</source>
            <translation>申请换绑</translation>
        </message>
        <message>
            <source>Tags</source>
            <translation>标签</translation>
        </message>
        <message>
            <source>Note</source>
            <translation>备注</translation>
        </message>
        <message>
            <source>Follow up in N days</source>
            <translation>N 天后回访</translation>
        </message>
        <message>
            <source>Show phone number</source>
            <translation>查看完整手机号</translation>
        </message>
        <message>
            <source>Enroll walk-in</source>
            <translation>拉新入会</translation>
        </message>
        <message>
            <source>Declined to join</source>
            <translation>顾客拒绝入会</translation>
        </message>
        <message>
            <source>Clear</source>
            <translation>清除</translation>
        </message>
        <message>
            <source>Demo: show a member code</source>
            <translation>演示：出示会员码</translation>
        </message>
        <message>
            <source>The serial scanner is not answering ({error}). Check the cable and settings.</source>
            <translation>串口扫码枪没有响应（{error}），请检查连线和设置。</translation>
        </message>
        <message>
            <source>{name}: card shown</source>
            <translation>{name}：已显示会员卡</translation>
        </message>
        <message>
            <source>Scan a member first.</source>
            <translation>请先扫会员码。</translation>
        </message>
        <message>
            <source>Bound to you. Waiting for HQ to confirm.</source>
            <translation>已绑定给你，等待总部确认。</translation>
        </message>
        <message>
            <source>Transfer requested. A manager decides.</source>
            <translation>换绑申请已提交，由店长审批。</translation>
        </message>
        <message>
            <source>Tags saved ({n} change(s)).</source>
            <translation>标签已保存（{n} 处改动）。</translation>
        </message>
        <message>
            <source>Note saved.</source>
            <translation>备注已保存。</translation>
        </message>
        <message>
            <source>Follow-up in {n} days created.</source>
            <translation>已创建 {n} 天后的回访。</translation>
        </message>
        <message>
            <source>Phone number shown for {s} seconds (recorded).</source>
            <translation>完整号码显示 {s} 秒（已记录）。</translation>
        </message>
        <message>
            <source>{name} is a member now. Waiting for HQ to confirm.</source>
            <translation>{name} 已入会，等待总部确认。</translation>
        </message>
        <message>
            <source>Recorded: the shopper declined to join.</source>
            <translation>已记录：顾客拒绝入会。</translation>
        </message>
        <message>
            <source>Asking the local HQ for a member code…</source>
            <translation>正在向本地总部申请会员码…</translation>
        </message>
    </context>
    <context>
        <name>DeclineDialog</name>
        <message>
            <source>Shopper declined to join</source>
            <translation>顾客拒绝入会</translation>
        </message>
        <message>
            <source>Record (Ctrl+Enter)</source>
            <translation>记录 (Ctrl+Enter)</translation>
        </message>
        <message>
            <source>Reason</source>
            <translation>原因</translation>
        </message>
        <message>
            <source>No reason given</source>
            <translation>未说明原因</translation>
        </message>
        <message>
            <source>No time now</source>
            <translation>现在没时间</translation>
        </message>
        <message>
            <source>Privacy concerns</source>
            <translation>担心隐私</translation>
        </message>
        <message>
            <source>Not interested</source>
            <translation>不感兴趣</translation>
        </message>
        <message>
            <source>Member of another brand</source>
            <translation>已是其他品牌会员</translation>
        </message>
    </context>
    <context>
        <name>EnrollDialog</name>
        <message>
            <source>Enroll a new member</source>
            <translation>新会员入会</translation>
        </message>
        <message>
            <source>Enroll (Ctrl+Enter)</source>
            <translation>入会 (Ctrl+Enter)</translation>
        </message>
        <message>
            <source>as the shopper gives it</source>
            <translation>按顾客提供的填写</translation>
        </message>
        <message>
            <source>The shopper has read the privacy notice and agrees to join ({version})</source>
            <translation>顾客已阅读隐私政策并同意入会（{version}）</translation>
        </message>
        <message>
            <source>Paid member (付费会员)</source>
            <translation>付费会员</translation>
        </message>
        <message>
            <source>Name</source>
            <translation>姓名</translation>
        </message>
        <message>
            <source>Mobile</source>
            <translation>手机号</translation>
        </message>
    </context>
    <context>
        <name>FollowUpDialog</name>
        <message>
            <source>Follow up with {member}</source>
            <translation>回访 {member}</translation>
        </message>
        <message>
            <source>Create (Ctrl+Enter)</source>
            <translation>创建 (Ctrl+Enter)</translation>
        </message>
        <message>
            <source> days</source>
            <translation> 天</translation>
        </message>
        <message>
            <source>optional</source>
            <translation>选填</translation>
        </message>
        <message>
            <source>In</source>
            <translation>几天后</translation>
        </message>
        <message>
            <source>How</source>
            <translation>方式</translation>
        </message>
        <message>
            <source>Note</source>
            <translation>备注</translation>
        </message>
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
    </context>
    <context>
        <name>MemberCardView</name>
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
            <source>Lost to {guide} ({store}): HQ kept their earlier binding</source>
            <translation>绑定失败：{store}的{guide}先绑定，总部保留了对方的绑定</translation>
        </message>
        <message>
            <source>Not bound yet: press F2 to bind to you</source>
            <translation>尚未绑定：按 F2 绑定给你</translation>
        </message>
        <message>
            <source>Bound to you, waiting for HQ to confirm</source>
            <translation>已绑定给你，等待总部确认</translation>
        </message>
        <message>
            <source>Bound to you (protected until {date})</source>
            <translation>你的专属会员（保护期至 {date}）</translation>
        </message>
        <message>
            <source>Bound to {guide}, waiting for HQ to confirm</source>
            <translation>已绑定给{guide}，等待总部确认</translation>
        </message>
        <message>
            <source>Bound to {guide} at this store, protected until {date}</source>
            <translation>本店{guide}的专属会员，保护期至 {date}</translation>
        </message>
        <message>
            <source>Bound to {guide} at this store, protection over: F2 takes over</source>
            <translation>本店{guide}的专属会员，保护期已过：按 F2 可接手</translation>
        </message>
        <message>
            <source>Bound to {guide} at {store} (another store)</source>
            <translation>{store}{guide}的专属会员（其他门店）</translation>
        </message>
        <message>
            <source>No tags yet (F4 adds one)</source>
            <translation>暂无标签（按 F4 添加）</translation>
        </message>
        <message>
            <source>Sleeping</source>
            <translation>沉睡</translation>
        </message>
        <message>
            <source>Scan a member code to see the member here.</source>
            <translation>扫会员码后，会员信息显示在这里。</translation>
        </message>
        <message>
            <source>Stage</source>
            <translation>分层</translation>
        </message>
        <message>
            <source>Phone</source>
            <translation>手机</translation>
        </message>
        <message>
            <source>Card no.</source>
            <translation>卡号</translation>
        </message>
        <message>
            <source>Last visit</source>
            <translation>最近到店</translation>
        </message>
        <message>
            <source>Contacts</source>
            <translation>联系次数</translation>
        </message>
        <message>
            <source>Tags</source>
            <translation>标签</translation>
        </message>
        <message>
            <source>Open tasks</source>
            <translation>待办任务</translation>
        </message>
        <message>
            <source>Notes</source>
            <translation>备注</translation>
        </message>
        <message>
            <source>Paid member</source>
            <translation>付费会员</translation>
        </message>
        <message>
            <source>Online</source>
            <translation>在线</translation>
        </message>
        <message>
            <source>No purchase for {days} days</source>
            <translation>{days} 天未购买</translation>
        </message>
        <message>
            <source>New member, waiting for HQ</source>
            <translation>新会员，等待总部确认</translation>
        </message>
        <message>
            <source>{stage} · sleeping: no purchase for {days} days</source>
            <translation>{stage} · 沉睡：{days} 天未购买</translation>
        </message>
        <message>
            <source>{used} of {limit} in {days} days</source>
            <translation>{days} 天内已联系 {used} 次（上限 {limit}）</translation>
        </message>
        <message>
            <source>no date</source>
            <translation>无日期</translation>
        </message>
        <message>
            <source> (overdue)</source>
            <translation>（已逾期）</translation>
        </message>
        <message>
            <source> and {n} more</source>
            <translation> 等 {n} 项</translation>
        </message>
        <message>
            <source>none</source>
            <translation>无</translation>
        </message>
    </context>
    <context>
        <name>RevealDialog</name>
        <message>
            <source>Show {member}'s phone number</source>
            <translation>查看 {member} 的完整手机号</translation>
        </message>
        <message>
            <source>Show number (Ctrl+Enter)</source>
            <translation>显示号码 (Ctrl+Enter)</translation>
        </message>
        <message>
            <source>what for?</source>
            <translation>做什么用？</translation>
        </message>
        <message>
            <source>Every reveal is recorded with its purpose.</source>
            <translation>每次查看完整号码都会连同用途记录在案。</translation>
        </message>
        <message>
            <source>Purpose</source>
            <translation>用途</translation>
        </message>
        <message>
            <source>Details</source>
            <translation>说明</translation>
        </message>
        <message>
            <source>Call the member back</source>
            <translation>给会员回电</translation>
        </message>
        <message>
            <source>Delivery or pick-up</source>
            <translation>送货或取货</translation>
        </message>
        <message>
            <source>Verify the member's identity</source>
            <translation>核实会员身份</translation>
        </message>
        <message>
            <source>Other</source>
            <translation>其他</translation>
        </message>
        <message>
            <source>Say what the number is for.</source>
            <translation>请说明号码的用途。</translation>
        </message>
    </context>
    <context>
        <name>TagsDialog</name>
        <message>
            <source>Tags for {member}</source>
            <translation>{member} 的标签</translation>
        </message>
        <message>
            <source>Save tags (Ctrl+Enter)</source>
            <translation>保存标签 (Ctrl+Enter)</translation>
        </message>
        <message>
            <source>HQ has not shared any tags with this store yet.</source>
            <translation>总部还没有向本店开放标签。</translation>
        </message>
    </context>
    <context>
        <name>TransferDialog</name>
        <message>
            <source>Request a transfer</source>
            <translation>申请换绑</translation>
        </message>
        <message>
            <source>Send request (Ctrl+Enter)</source>
            <translation>提交申请 (Ctrl+Enter)</translation>
        </message>
        <message>
            <source>{member} is bound to {guide}. A manager decides.</source>
            <translation>{member} 目前是 {guide} 的专属会员，由店长审批。</translation>
        </message>
        <message>
            <source>Why should the member move to you?</source>
            <translation>为什么要把会员换绑给你？</translation>
        </message>
        <message>
            <source>Reason</source>
            <translation>原因</translation>
        </message>
    </context>
</TS>
