<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
    <context>
        <name>FirstRunWizard</name>
        <message>
            <source>Welcome to GuideDesk</source>
            <translation>欢迎使用导购台</translation>
        </message>
        <message>
            <source>Connect this counter to your HQ. Ask HQ for the address and a one-time enrollment code for this store.</source>
            <translation>把这台柜台电脑连接到总部。请向总部索取总部地址和本店的一次性登记码。</translation>
        </message>
        <message>
            <source>one-time code from HQ</source>
            <translation>总部发的一次性登记码</translation>
        </message>
        <message>
            <source>HQ address</source>
            <translation>总部地址</translation>
        </message>
        <message>
            <source>Enrollment code</source>
            <translation>登记码</translation>
        </message>
        <message>
            <source>Enroll (Enter)</source>
            <translation>登记 (Enter)</translation>
        </message>
        <message>
            <source>Pages</source>
            <translation>页数</translation>
        </message>
        <message>
            <source>Records</source>
            <translation>记录数</translation>
        </message>
        <message>
            <source>Rate</source>
            <translation>速度</translation>
        </message>
        <message>
            <source>Time left</source>
            <translation>剩余时间</translation>
        </message>
        <message>
            <source>Cancel (Esc)</source>
            <translation>取消 (Esc)</translation>
        </message>
        <message>
            <source>Continue (Enter)</source>
            <translation>继续 (Enter)</translation>
        </message>
        <message>
            <source>Finish later</source>
            <translation>稍后完成</translation>
        </message>
        <message>
            <source>Start (Enter)</source>
            <translation>开始 (Enter)</translation>
        </message>
        <message>
            <source>Connecting to HQ…</source>
            <translation>正在连接总部…</translation>
        </message>
        <message>
            <source>Enrolled for {store}. First sync…</source>
            <translation>已登记到 {store}，正在首次同步…</translation>
        </message>
        <message>
            <source>{n}/s</source>
            <translation>{n} 条/秒</translation>
        </message>
        <message>
            <source>{m} min {s} s</source>
            <translation>{m} 分 {s} 秒</translation>
        </message>
        <message>
            <source>estimating…</source>
            <translation>估算中…</translation>
        </message>
        <message>
            <source>done</source>
            <translation>完成</translation>
        </message>
        <message>
            <source>Ready. Guides can log in now.</source>
            <translation>准备就绪，导购现在可以登录了。</translation>
        </message>
    </context>
    <context>
        <name>LoginScreen</name>
        <message>
            <source>Log in</source>
            <translation>登录</translation>
        </message>
        <message>
            <source>e.g. A002</source>
            <translation>例如 A002</translation>
        </message>
        <message>
            <source>Employee no.</source>
            <translation>工号</translation>
        </message>
        <message>
            <source>PIN</source>
            <translation>PIN 码</translation>
        </message>
        <message>
            <source>Log in (Enter)</source>
            <translation>登录 (Enter)</translation>
        </message>
        <message>
            <source>Switch guide</source>
            <translation>切换导购</translation>
        </message>
    </context>
    <context>
        <name>MainWindow</name>
        <message>
            <source>GuideDesk</source>
            <translation>导购台</translation>
        </message>
        <message>
            <source>Guide</source>
            <translation>导购</translation>
        </message>
        <message>
            <source>Switch guide</source>
            <translation>切换导购</translation>
        </message>
        <message>
            <source>Lock</source>
            <translation>锁定</translation>
        </message>
        <message>
            <source>Sync now</source>
            <translation>立即同步</translation>
        </message>
        <message>
            <source>Locked</source>
            <translation>已锁定</translation>
        </message>
        <message>
            <source>{name} ({no})</source>
            <translation>{name}（{no}）</translation>
        </message>
    </context>
    <context>
        <name>ManagerPrompt</name>
        <message>
            <source>Manager no.</source>
            <translation>店长工号</translation>
        </message>
        <message>
            <source>PIN</source>
            <translation>PIN 码</translation>
        </message>
        <message>
            <source>Confirm (Enter)</source>
            <translation>确认 (Enter)</translation>
        </message>
        <message>
            <source>Cancel (Esc)</source>
            <translation>取消 (Esc)</translation>
        </message>
        <message>
            <source>Manager PIN needed: {why}</source>
            <translation>需要店长 PIN：{why}</translation>
        </message>
    </context>
    <context>
        <name>SyncModels</name>
        <message>
            <source>Bind</source>
            <translation>绑定</translation>
        </message>
        <message>
            <source>Transfer</source>
            <translation>换绑</translation>
        </message>
        <message>
            <source>End binding</source>
            <translation>解除绑定</translation>
        </message>
        <message>
            <source>Enroll</source>
            <translation>入会</translation>
        </message>
        <message>
            <source>Declined to join</source>
            <translation>顾客拒绝入会</translation>
        </message>
        <message>
            <source>Add tag</source>
            <translation>加标签</translation>
        </message>
        <message>
            <source>Remove tag</source>
            <translation>去标签</translation>
        </message>
        <message>
            <source>Note</source>
            <translation>备注</translation>
        </message>
        <message>
            <source>Follow-up</source>
            <translation>回访</translation>
        </message>
        <message>
            <source>Assign task</source>
            <translation>分配任务</translation>
        </message>
        <message>
            <source>Task done</source>
            <translation>完成任务</translation>
        </message>
        <message>
            <source>Visit</source>
            <translation>到店</translation>
        </message>
        <message>
            <source>Audit record</source>
            <translation>审计记录</translation>
        </message>
        <message>
            <source>waiting</source>
            <translation>待同步</translation>
        </message>
        <message>
            <source>sent, no answer yet</source>
            <translation>已发送，待回复</translation>
        </message>
        <message>
            <source>refused</source>
            <translation>未接受</translation>
        </message>
        <message>
            <source>#</source>
            <translation>序号</translation>
        </message>
        <message>
            <source>When</source>
            <translation>时间</translation>
        </message>
        <message>
            <source>What</source>
            <translation>操作</translation>
        </message>
        <message>
            <source>Member</source>
            <translation>会员</translation>
        </message>
        <message>
            <source>Guide</source>
            <translation>导购</translation>
        </message>
        <message>
            <source>State</source>
            <translation>状态</translation>
        </message>
        <message>
            <source>Why HQ refused</source>
            <translation>总部未接受的原因</translation>
        </message>
        <message>
            <source>Our guide</source>
            <translation>本店导购</translation>
        </message>
        <message>
            <source>Won by</source>
            <translation>绑定方</translation>
        </message>
        <message>
            <source>Store</source>
            <translation>门店</translation>
        </message>
    </context>
    <context>
        <name>SyncPage</name>
        <message>
            <source>Sync now (F5)</source>
            <translation>立即同步 (F5)</translation>
        </message>
        <message>
            <source>Waiting for HQ ({n})</source>
            <translation>待同步（{n}）</translation>
        </message>
        <message>
            <source>Refused by HQ ({n})</source>
            <translation>总部未接受（{n}）</translation>
        </message>
        <message>
            <source>Binding conflicts ({n})</source>
            <translation>绑定冲突（{n}）</translation>
        </message>
        <message>
            <source>Outbox &amp; conflicts</source>
            <translation>待同步与冲突</translation>
        </message>
    </context>
    <context>
        <name>SyncStatusBar</name>
        <message>
            <source>Sync now (F5)</source>
            <translation>立即同步 (F5)</translation>
        </message>
        <message>
            <source>● Syncing…</source>
            <translation>● 同步中…</translation>
        </message>
        <message>
            <source>● Online</source>
            <translation>● 在线</translation>
        </message>
        <message>
            <source>● Offline: working locally</source>
            <translation>● 离线：本机照常工作</translation>
        </message>
        <message>
            <source>○ Not synced yet</source>
            <translation>○ 尚未同步</translation>
        </message>
        <message>
            <source>Waiting for HQ: {n}</source>
            <translation>待同步：{n}</translation>
        </message>
        <message>
            <source>Last sync: never</source>
            <translation>上次同步：从未</translation>
        </message>
        <message>
            <source>Last sync: {t}</source>
            <translation>上次同步：{t}</translation>
        </message>
        <message>
            <source>Refused by HQ: {n}</source>
            <translation>总部未接受：{n}</translation>
        </message>
        <message>
            <source>This PC's clock is {m} min off HQ</source>
            <translation>本机时间与总部相差 {m} 分钟</translation>
        </message>
    </context>
    <context>
        <name>app</name>
        <message>
            <source>Something went wrong. What you saved is safe. If it happens again, send this log file to support:
{path}</source>
            <translation>出了点问题。已保存的内容不会丢失。如果再次发生，请把这个日志文件发给技术支持：
{path}</translation>
        </message>
        <message>
            <source>GuideDesk</source>
            <translation>导购台</translation>
        </message>
    </context>
    <context>
        <name>messages</name>
        <message>
            <source>Unknown code. Ask the shopper for their member code.</source>
            <translation>无法识别的码，请顾客出示会员码。</translation>
        </message>
        <message>
            <source>This is a payment code. Please ask for the member code instead.</source>
            <translation>这是付款码，请出示会员码。</translation>
        </message>
        <message>
            <source>The member code is damaged. Ask the shopper to refresh it.</source>
            <translation>会员码已损坏，请顾客刷新后再出示。</translation>
        </message>
        <message>
            <source>This member code was signed with a key this counter does not know yet. Sync, then scan again.</source>
            <translation>本机还不认识这个会员码的签名密钥，请先同步再扫码。</translation>
        </message>
        <message>
            <source>This member code is not genuine (signature check failed).</source>
            <translation>会员码不是真的（签名校验失败）。</translation>
        </message>
        <message>
            <source>The member code has expired. Ask the shopper to refresh it in the mini-program.</source>
            <translation>会员码已过期，请顾客在小程序里刷新。</translation>
        </message>
        <message>
            <source>The member code is not valid yet. Check the clock of this computer.</source>
            <translation>会员码尚未生效，请检查本机时间。</translation>
        </message>
        <message>
            <source>This member code was already used. Ask the shopper to refresh it.</source>
            <translation>这个会员码已经用过了，请顾客刷新后再出示。</translation>
        </message>
        <message>
            <source>This member is not on this workstation yet. Enroll them, or retry when online.</source>
            <translation>本机还没有这位会员的资料。可以为顾客入会，或联网后重试。</translation>
        </message>
        <message>
            <source>Looking the member up at HQ…</source>
            <translation>正在向总部查询会员…</translation>
        </message>
        <message>
            <source>HQ does not know this member.</source>
            <translation>总部查无此会员。</translation>
        </message>
        <message>
            <source>HQ did not accept this member code.</source>
            <translation>总部不认可这个会员码。</translation>
        </message>
        <message>
            <source>Wrong employee number or PIN. {attempts_left} tries left.</source>
            <translation>工号或 PIN 不对，还可以再试 {attempts_left} 次。</translation>
        </message>
        <message>
            <source>Too many wrong PINs. Locked for {minutes} more minute(s).</source>
            <translation>PIN 错误次数过多，已锁定，{minutes} 分钟后再试。</translation>
        </message>
        <message>
            <source>This employee is no longer active at this store.</source>
            <translation>该员工已不在本店任职。</translation>
        </message>
        <message>
            <source>This needs a store manager's PIN.</source>
            <translation>此操作需要店长 PIN。</translation>
        </message>
        <message>
            <source>Enter your employee number.</source>
            <translation>请输入工号。</translation>
        </message>
        <message>
            <source>No such employee at this store.</source>
            <translation>本店没有这个工号。</translation>
        </message>
        <message>
            <source>No guides on this workstation yet: sync with HQ first.</source>
            <translation>本机还没有导购资料，请先与总部同步。</translation>
        </message>
        <message>
            <source>This member is already bound to you.</source>
            <translation>这位会员已经是你的专属会员。</translation>
        </message>
        <message>
            <source>A binding for this member is still waiting for HQ.</source>
            <translation>这位会员的绑定还在等总部确认。</translation>
        </message>
        <message>
            <source>This member belongs to another store: scan their member code to bind them here.</source>
            <translation>这位会员属于其他门店：请扫会员码后再在本店绑定。</translation>
        </message>
        <message>
            <source>Bound to {guide_name} at {store_name} (another store): cannot bind here.</source>
            <translation>已绑定{store_name}的{guide_name}（其他门店），本店不能绑定。</translation>
        </message>
        <message>
            <source>Bound to {guide_name}, protected until {protected_until}. Ask for a transfer instead.</source>
            <translation>已绑定{guide_name}，保护期到 {protected_until}。如需换绑请按 F3 申请。</translation>
        </message>
        <message>
            <source>HQ refused: the member was bound to {winner_guide_name} ({winner_store_name}) first.</source>
            <translation>总部未接受：会员已先被{winner_store_name}的{winner_guide_name}绑定。</translation>
        </message>
        <message>
            <source>HQ refused: another binding of this member came first.</source>
            <translation>总部未接受：这位会员的另一笔绑定先到。</translation>
        </message>
        <message>
            <source>The binding changed meanwhile; scan again.</source>
            <translation>绑定已发生变化，请重新扫码。</translation>
        </message>
        <message>
            <source>The current binding is not confirmed by HQ yet; sync first.</source>
            <translation>当前绑定尚未经总部确认，请先同步。</translation>
        </message>
        <message>
            <source>This member is not bound to anyone: bind them instead.</source>
            <translation>这位会员还没有专属导购，直接绑定即可。</translation>
        </message>
        <message>
            <source>The member is already bound to that guide.</source>
            <translation>会员已经绑定了这位导购。</translation>
        </message>
        <message>
            <source>A transfer request for this member is already open.</source>
            <translation>这位会员已有一个待审批的换绑申请。</translation>
        </message>
        <message>
            <source>The reason is too long.</source>
            <translation>原因太长了。</translation>
        </message>
        <message>
            <source>This request was already decided.</source>
            <translation>这个申请已经处理过了。</translation>
        </message>
        <message>
            <source>Unknown transfer request.</source>
            <translation>找不到这个换绑申请。</translation>
        </message>
        <message>
            <source>The shopper's consent to the privacy notice is required to enroll.</source>
            <translation>入会需要顾客同意隐私政策。</translation>
        </message>
        <message>
            <source>The shopper's consent is missing.</source>
            <translation>缺少顾客的同意。</translation>
        </message>
        <message>
            <source>This phone number is already a member.</source>
            <translation>这个手机号已经是会员。</translation>
        </message>
        <message>
            <source>HQ stopped taking new members from this workstation for today: too many of the numbers tried were members already. Call HQ.</source>
            <translation>总部今天暂停受理本机的新会员登记：尝试的手机号中已是会员的过多。请联系总部。</translation>
        </message>
        <message>
            <source>Enter an 11-digit mainland mobile number.</source>
            <translation>请输入 11 位大陆手机号。</translation>
        </message>
        <message>
            <source>Enter the shopper's name.</source>
            <translation>请输入顾客姓名。</translation>
        </message>
        <message>
            <source>This member has no phone number on file.</source>
            <translation>这位会员没有登记手机号。</translation>
        </message>
        <message>
            <source>The note is empty or too long.</source>
            <translation>备注为空或太长。</translation>
        </message>
        <message>
            <source>The reason is not valid.</source>
            <translation>原因无效。</translation>
        </message>
        <message>
            <source>This tag is not available at this store.</source>
            <translation>本店不能使用这个标签。</translation>
        </message>
        <message>
            <source>HQ could not issue that card number.</source>
            <translation>总部无法发放这个卡号。</translation>
        </message>
        <message>
            <source>This task is already closed.</source>
            <translation>这个任务已经结束。</translation>
        </message>
        <message>
            <source>Unknown task.</source>
            <translation>找不到这个任务。</translation>
        </message>
        <message>
            <source>The follow-up date is not valid.</source>
            <translation>回访日期无效。</translation>
        </message>
        <message>
            <source>This member was contacted {used} times in {window_days} days (limit {limit}).</source>
            <translation>这位会员 {window_days} 天内已被联系 {used} 次（上限 {limit} 次）。</translation>
        </message>
        <message>
            <source>Cannot reach HQ. Check the address and the network.</source>
            <translation>连不上总部，请检查地址和网络。</translation>
        </message>
        <message>
            <source>The secure connection to HQ failed (certificate not trusted). Check the address.</source>
            <translation>与总部的安全连接失败（证书不受信任），请检查地址。</translation>
        </message>
        <message>
            <source>The connection to HQ broke off. It will retry.</source>
            <translation>与总部的连接中断，稍后会自动重试。</translation>
        </message>
        <message>
            <source>The request to HQ failed. Check the address.</source>
            <translation>请求总部失败，请检查地址。</translation>
        </message>
        <message>
            <source>HQ had a problem. It will retry later.</source>
            <translation>总部出现问题，稍后会自动重试。</translation>
        </message>
        <message>
            <source>That address does not answer like a GuideDesk HQ.</source>
            <translation>这个地址不是导购台总部服务。</translation>
        </message>
        <message>
            <source>This enrollment code is not valid. Check it with HQ.</source>
            <translation>登记码无效，请与总部核对。</translation>
        </message>
        <message>
            <source>This enrollment code was already used. Ask HQ for a new one.</source>
            <translation>登记码已被使用，请向总部申请新的。</translation>
        </message>
        <message>
            <source>This enrollment code has expired. Ask HQ for a new one.</source>
            <translation>登记码已过期，请向总部申请新的。</translation>
        </message>
        <message>
            <source>Too many failed tries. Wait {retry_after} seconds.</source>
            <translation>失败次数过多，请等 {retry_after} 秒再试。</translation>
        </message>
        <message>
            <source>This workstation is already enrolled.</source>
            <translation>本机已经登记过了。</translation>
        </message>
        <message>
            <source>This workstation is not enrolled with HQ yet.</source>
            <translation>本机尚未在总部登记。</translation>
        </message>
        <message>
            <source>HQ has revoked this workstation. Ask HQ for a new enrollment code.</source>
            <translation>总部已停用本机，请向总部申请新的登记码。</translation>
        </message>
        <message>
            <source>HQ needs a newer GuideDesk. Please update.</source>
            <translation>总部要求更新版本的导购台，请升级。</translation>
        </message>
        <message>
            <source>HQ did not accept this workstation's key.</source>
            <translation>总部不认可本机的密钥。</translation>
        </message>
        <message>
            <source>Enter HQ's address, e.g. https://hq.example.cn</source>
            <translation>请输入总部地址，例如 https://hq.example.cn</translation>
        </message>
        <message>
            <source>HQ's address must start with https:// — plain http would send this workstation's key and members' phone numbers readable over the network. Ask IT for the https address.</source>
            <translation>总部地址必须以 https:// 开头——用 http 会把本机密钥和会员手机号以明文在网络上传输。请向 IT 索取 https 地址。</translation>
        </message>
        <message>
            <source>This is not an HQ address. Enter it like https://hq.example.cn</source>
            <translation>这不是总部地址。请按 https://hq.example.cn 的格式输入。</translation>
        </message>
        <message>
            <source>The system keyring could not be read, so phone numbers cannot be opened. Unlock the keyring (sign in to Windows again) and restart GuideDesk. Nothing was changed.</source>
            <translation>无法读取系统密钥环，手机号无法解密。请解锁密钥环（重新登录 Windows）后重启导购台。数据未作任何改动。</translation>
        </message>
        <message>
            <source>The key that protects this workstation's phone numbers is missing from the system keyring. Restore it (or this PC's user profile) and restart; a new key would make the stored phones unreadable, so none was made. Call IT support.</source>
            <translation>系统密钥环中缺少保护本机手机号的密钥。请恢复密钥（或本机用户配置）后重启；新建密钥会使已存手机号无法读取，因此未新建。请联系 IT 支持。</translation>
        </message>
        <message>
            <source>The system keyring holds a different key than the one this workstation's phone numbers were protected with. Restore the original key and restart; nothing was overwritten. Call IT support.</source>
            <translation>系统密钥环中的密钥与本机手机号加密时所用的不同。请恢复原密钥后重启；数据未被覆盖。请联系 IT 支持。</translation>
        </message>
        <message>
            <source>A sync is already running.</source>
            <translation>正在同步中。</translation>
        </message>
        <message>
            <source>Cancelled. It continues where it stopped next time.</source>
            <translation>已取消，下次会从中断处继续。</translation>
        </message>
        <message>
            <source>Something went wrong ({code}). What was saved stays saved; the log has details.</source>
            <translation>出了点问题（{code}）。已保存的内容不会丢失，详情见日志。</translation>
        </message>
    </context>
    <context>
        <name>pages</name>
        <message>
            <source>Counter</source>
            <translation>柜台</translation>
        </message>
        <message>
            <source>Outbox &amp; conflicts</source>
            <translation>待同步与冲突</translation>
        </message>
        <message>
            <source>Members</source>
            <translation>会员</translation>
        </message>
        <message>
            <source>Tasks</source>
            <translation>任务</translation>
        </message>
        <message>
            <source>Store stats</source>
            <translation>门店数据</translation>
        </message>
        <message>
            <source>Transfers &amp; departures</source>
            <translation>换绑与离职</translation>
        </message>
        <message>
            <source>My QR code</source>
            <translation>我的二维码</translation>
        </message>
        <message>
            <source>Settings</source>
            <translation>设置</translation>
        </message>
    </context>
</TS>
