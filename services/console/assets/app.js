// The motcua console: one page over the JSON API (/api/v1/). No framework,
// no build step: it is served from inside motcuad as it is written here.
'use strict';

const TEXT = {
  vi: {
    skip: 'Bỏ qua đến nội dung', signOut: 'Đăng xuất', 'signIn.title': 'Đăng nhập',
    'signIn.token': 'Mã truy cập (token)', 'signIn.submit': 'Đăng nhập',
    'nav.overview': 'Tổng quan', 'nav.overdue': 'Quá hạn', 'nav.dueSoon': 'Sắp đến hạn',
    'nav.report': 'Báo cáo', 'nav.live': 'Trực tiếp', 'nav.audit': 'Kiểm tra nhật ký',
    overviewTitle: 'Tổng quan giải quyết hồ sơ', overdueNow: 'Quá hạn hiện nay',
    dossiers: 'Hồ sơ quá hạn', steps: 'Bước xử lý trễ', perAgency: 'Theo cơ quan',
    dueNextDay: 'Đến hạn trong ngày làm việc tới', onTimeRate: 'Tỷ lệ đúng hạn 12 tháng qua',
    pausedOverdue: 'Hồ sơ tạm dừng đã quá hạn', noneNow: 'Không có.',
    overdueTitle: 'Hồ sơ quá hạn', dueSoonTitle: 'Hồ sơ sắp đến hạn',
    agency: 'Cơ quan', allAgencies: 'Tất cả', procedure: 'Thủ tục', unit: 'Bộ phận đang xử lý',
    kind: 'Loại hạn', kindDossier: 'Hạn hồ sơ', kindStep: 'Hạn bước xử lý', kindAll: 'Cả hai',
    minLateness: 'Trễ ít nhất (giờ làm việc)', within: 'Trong vòng (giờ làm việc)',
    pageSize: 'Số dòng', sort: 'Sắp xếp', sortApi: 'Trễ nhiều nhất trước', sortDue: 'Hạn sớm nhất trước',
    sortCode: 'Mã hồ sơ', show: 'Xem', next: 'Trang sau', prev: 'Trang trước', page: 'Trang',
    code: 'Mã hồ sơ', status: 'Trạng thái', due: 'Hạn xử lý', lateness: 'Mức trễ', left: 'Còn lại',
    step: 'Bước', noRows: 'Không có hồ sơ nào.',
    dossierTitle: 'Hồ sơ', received: 'Ngày tiếp nhận', dueAt: 'Ngày hẹn trả',
    workingLeft: 'Thời gian làm việc còn lại', currentUnit: 'Bộ phận đang giữ', field: 'Lĩnh vực',
    channel: 'Hình thức nộp', controlSheet: 'Phiếu kiểm soát quá trình giải quyết',
    started: 'Bắt đầu', ended: 'Kết thúc', used: 'Thời gian đã dùng', stepDue: 'Hạn bước',
    handedBy: 'Người giao', open: 'đang xử lý', print: 'In phiếu',
    events: 'Nhật ký sự kiện', eventsAudit: 'Chỉ vai trò kiểm tra (auditor) và quản trị xem được nhật ký của hồ sơ.',
    asOf: 'Trạng thái tại một thời điểm', asOfAt: 'Thời điểm', asOfShow: 'Xem lại',
    paused: 'Tạm dừng', pausedNow: 'đang tạm dừng từ',
    reportTitle: 'Báo cáo tình hình, kết quả giải quyết TTHC', from: 'Từ ngày', to: 'Đến ngày',
    groupBy: 'Theo', gAgency: 'Cơ quan', gProcedure: 'Thủ tục', gField: 'Lĩnh vực', gUnit: 'Bộ phận',
    countAt: 'Tính đã giải quyết khi', atResolution: 'Có kết quả', atReturn: 'Đã trả kết quả',
    downloadCsv: 'Tải CSV', downloadXlsx: 'Tải Excel (.xlsx)', invariant: 'Cân đối',
    invariantNote: 'Mỗi dòng: tổng nhận = từ kỳ trước + mới nhận = đã giải quyết + đang giải quyết + tạm dừng.',
    liveTitle: 'Sự kiện trực tiếp', types: 'Loại sự kiện', follow: 'Theo dõi',
    liveWaiting: 'Đang chờ sự kiện mới…', liveLost: 'Mất kết nối, đang thử lại…',
    auditTitle: 'Kiểm tra tính toàn vẹn của nhật ký', verify: 'Kiểm tra ngay',
    intact: 'Nhật ký toàn vẹn', damaged: 'Nhật ký bị hư hỏng', eventsChecked: 'Số sự kiện đã kiểm tra',
    head: 'Sự kiện cuối', firstBad: 'Sự kiện hỏng đầu tiên', verifying: 'Đang kiểm tra…',
    total: 'Tổng cộng', month: 'Tháng', rate: 'Tỷ lệ', noResolved: 'chưa có hồ sơ giải quyết',
    lateBy: (d) => 'trễ ' + d, leftBy: (d) => 'còn ' + d, day: 'ngày', hour: 'giờ', minute: 'phút',
    now: 'Thời điểm máy chủ', noSteps: 'Thủ tục không chia bước xử lý.',
    noRateYet: 'Chưa có hồ sơ nào được giải quyết trong 12 tháng qua: biểu đồ sẽ hiện khi có hồ sơ giải quyết.',
    resolvedOf: (n) => `${n} hồ sơ đã giải quyết`, allTypes: 'Mọi loại sự kiện', pausedFrom: 'Tạm dừng',
    liveAgency: 'Cơ quan',
  },
  en: {
    skip: 'Skip to content', signOut: 'Sign out', 'signIn.title': 'Sign in',
    'signIn.token': 'Access token', 'signIn.submit': 'Sign in',
    'nav.overview': 'Overview', 'nav.overdue': 'Overdue', 'nav.dueSoon': 'Due soon',
    'nav.report': 'Report', 'nav.live': 'Live', 'nav.audit': 'Audit',
    overviewTitle: 'Overview', overdueNow: 'Overdue now', dossiers: 'Overdue dossiers',
    steps: 'Late steps', perAgency: 'Per agency', dueNextDay: 'Due within the next working day',
    onTimeRate: 'On-time rate, last 12 months', pausedOverdue: 'Paused dossiers past due',
    noneNow: 'None.', overdueTitle: 'Overdue dossiers', dueSoonTitle: 'Dossiers due soon',
    agency: 'Agency', allAgencies: 'All', procedure: 'Procedure', unit: 'Unit holding it',
    kind: 'Deadline', kindDossier: 'Dossier', kindStep: 'Step', kindAll: 'Both',
    minLateness: 'At least late by (working hours)', within: 'Within (working hours)',
    pageSize: 'Rows', sort: 'Sort', sortApi: 'Most late first', sortDue: 'Earliest due first',
    sortCode: 'Dossier code', show: 'Show', next: 'Next page', prev: 'Previous page', page: 'Page',
    code: 'Dossier', status: 'Status', due: 'Due', lateness: 'Lateness', left: 'Left',
    step: 'Step', noRows: 'No dossiers.',
    dossierTitle: 'Dossier', received: 'Received', dueAt: 'Due (appointment)',
    workingLeft: 'Working time left', currentUnit: 'Held by', field: 'Field', channel: 'Channel',
    controlSheet: 'Control sheet', started: 'Started', ended: 'Ended', used: 'Time used',
    stepDue: 'Step due', handedBy: 'Handed over by', open: 'open', print: 'Print',
    events: 'Events', eventsAudit: 'Only auditor and admin tokens read a dossier\'s events.',
    asOf: 'State as of an instant', asOfAt: 'Instant', asOfShow: 'Show',
    paused: 'Paused', pausedNow: 'paused since',
    reportTitle: 'Report on the handling of procedures', from: 'From', to: 'To',
    groupBy: 'By', gAgency: 'Agency', gProcedure: 'Procedure', gField: 'Field', gUnit: 'Unit',
    countAt: 'Counted resolved at', atResolution: 'Resolution', atReturn: 'Return',
    downloadCsv: 'Download CSV', downloadXlsx: 'Download Excel (.xlsx)', invariant: 'Balance',
    invariantNote: 'Each row: received = carried over + new = resolved + pending + paused.',
    liveTitle: 'Live events', types: 'Event types', follow: 'Follow',
    liveWaiting: 'Waiting for new events…', liveLost: 'Connection lost, retrying…',
    auditTitle: 'Verify the event log', verify: 'Verify now', intact: 'The log is intact',
    damaged: 'The log is damaged', eventsChecked: 'Events checked', head: 'Head',
    firstBad: 'First bad event', verifying: 'Verifying…', total: 'Total', month: 'Month',
    rate: 'Rate', noResolved: 'none resolved',
    lateBy: (d) => d + ' late', leftBy: (d) => d + ' left', day: 'd', hour: 'h', minute: 'min',
    now: 'Server time', noSteps: 'The procedure has no steps.',
    noRateYet: 'No dossier resolved in the last 12 months yet: the chart appears once dossiers are resolved.',
    resolvedOf: (n) => `${n} resolved`, allTypes: 'Every event type', pausedFrom: 'Paused',
    liveAgency: 'Agency',
  },
};

// Portal status codes (TrangThaiHoSo) and their names.
const STATES = {
  DOSSIER_STATE_RECEIVED: [2, 'Đã tiếp nhận', 'Received'],
  DOSSIER_STATE_PROCESSING: [4, 'Đang xử lý', 'Processing'],
  DOSSIER_STATE_SUPPLEMENT_REQUESTED: [5, 'Yêu cầu bổ sung', 'Supplement requested'],
  DOSSIER_STATE_AWAITING_FINANCIAL_OBLIGATION: [6, 'Chờ thực hiện nghĩa vụ tài chính', 'Awaiting financial obligation'],
  DOSSIER_STATE_STOPPED: [8, 'Dừng xử lý', 'Stopped'],
  DOSSIER_STATE_RESOLVED: [9, 'Đã có kết quả', 'Resolved'],
  DOSSIER_STATE_RETURNED: [10, 'Đã trả kết quả', 'Returned'],
  DOSSIER_STATE_REJECTED: [3, 'Không tiếp nhận', 'Rejected'],
  DOSSIER_STATE_WITHDRAWN: [7, 'Rút hồ sơ', 'Withdrawn'],
};
// Event types (the API's names) and what people call them.
const EVENT_TYPES = {
  received: ['Tiếp nhận', 'Received'], handed_over: ['Chuyển xử lý', 'Handed over'],
  supplement_requested: ['Yêu cầu bổ sung', 'Supplement requested'],
  supplement_received: ['Đã bổ sung', 'Supplement received'],
  financial_obligation_requested: ['Yêu cầu nghĩa vụ tài chính', 'Financial obligation requested'],
  financial_obligation_confirmed: ['Đã thực hiện nghĩa vụ tài chính', 'Financial obligation confirmed'],
  stopped: ['Dừng xử lý', 'Stopped'], resumed: ['Tiếp tục xử lý', 'Resumed'],
  apologised: ['Xin lỗi, hẹn lại', 'Apologised'], resolved: ['Có kết quả', 'Resolved'],
  result_returned: ['Trả kết quả', 'Result returned'], rejected: ['Không đủ điều kiện', 'Rejected'],
  withdrawn: ['Rút hồ sơ', 'Withdrawn'], deadline_approaching: ['Sắp đến hạn', 'Deadline approaching'],
  overdue: ['Quá hạn', 'Overdue'], step_overdue: ['Bước xử lý quá hạn', 'Step overdue'],
  escalated: ['Báo cáo cấp trên', 'Escalated'], due_time_changed: ['Đổi hạn trả', 'Due time changed'],
};
const PAUSE_REASONS = { supplement: ['chờ bổ sung', 'awaiting a supplement'],
  financial_obligation: ['chờ nghĩa vụ tài chính', 'awaiting a financial obligation'], stopped: ['dừng xử lý', 'stopped'] };
function named(table, key) { const n = table[key]; return n ? n[lang === 'vi' ? 0 : 1] : key; }
// One event as a line of text: when, what (in the page's language), who.
function eventLine(e) {
  const description = lang === 'vi' && e.description_vi ? e.description_vi : e.description;
  return `${fmtTime(e.occurred_at || e.recorded_at)} · <b title="${esc(e.type)}">${esc(named(EVENT_TYPES, e.type))}</b> · ${esc(e.actor || '')} ${esc(description || '')}`;
}
const CHANNELS = { CHANNEL_IN_PERSON: ['Trực tiếp', 'In person'], CHANNEL_ONLINE: ['Trực tuyến', 'Online'],
  CHANNEL_POSTAL: ['Bưu chính công ích', 'Postal'] };

let lang = localStorage.getItem('motcua.lang') || 'vi';
let session = null;
let liveSource = null;

function t(key) { const v = TEXT[lang][key]; return v === undefined ? key : v; }
function esc(text) {
  return String(text === undefined || text === null ? '' : text).replace(/[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\'': '&#39;' }[c]));
}
function $(selector, root) { return (root || document).querySelector(selector); }

// "2026-11-16T17:00:00+07:00" -> "16/11/2026 17:00" (the API's times are at +07:00).
function fmtTime(iso) {
  if (!iso) return '';
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)/.exec(iso);
  return m ? `${m[3]}/${m[2]}/${m[1]} ${m[4]}:${m[5]}` : iso;
}
function fmtDay(day) { const m = /^(\d{4})-(\d\d)-(\d\d)$/.exec(day); return m ? `${m[3]}/${m[2]}/${m[1]}` : day; }
// Working time in working days and hours: "2 ngày 3 giờ".
function fmtWorking(seconds) {
  const day = (session && session.working_day_seconds) || 28800;
  let s = Math.abs(Number(seconds) || 0);
  const days = Math.floor(s / day); s -= days * day;
  const hours = Math.floor(s / 3600); s -= hours * 3600;
  const minutes = Math.floor(s / 60);
  const parts = [];
  if (days) parts.push(`${days} ${t('day')}`);
  if (hours) parts.push(`${hours} ${t('hour')}`);
  if (minutes && !days) parts.push(`${minutes} ${t('minute')}`);
  return parts.length ? parts.join(' ') : `0 ${t('minute')}`;
}
function fmtLateness(duration) {
  if (!duration) return '';
  const seconds = Number(duration.seconds);
  return seconds >= 0 ? t('lateBy')(fmtWorking(seconds)) : t('leftBy')(fmtWorking(seconds));
}
function stateBadge(state) {
  const s = STATES[state];
  if (!s) return esc(state);
  return `<span class="badge" title="TrangThaiHoSo ${s[0]}">${s[0]} · ${esc(lang === 'vi' ? s[1] : s[2])}</span>`;
}
function isoNow() { return session ? session.now : new Date().toISOString(); }

async function api(path, options) {
  const response = await fetch(path, Object.assign({ credentials: 'same-origin' }, options || {}));
  if (response.status === 401) { showSignIn(); throw new Error('unauthenticated'); }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) { const e = new Error(body.message || response.statusText); e.status = response.status; throw e; }
  return body;
}
function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (Array.isArray(v)) v.forEach((x) => q.append(k, x));
    else if (v !== '' && v !== undefined && v !== null) q.append(k, v);
  }
  const text = q.toString();
  return text ? '?' + text : '';
}

function translateStatic() {
  document.documentElement.lang = lang;
  document.querySelectorAll('[data-t]').forEach((el) => { el.textContent = t(el.dataset.t); });
  $('#lang').textContent = lang === 'vi' ? 'EN' : 'VI';
  $('#lang').setAttribute('aria-label', lang === 'vi' ? 'English' : 'Tiếng Việt');
}

function showSignIn() {
  session = null;
  $('#nav').hidden = true; $('#sign-out').hidden = true; $('#who').textContent = '';
  $('#sign-in-view').hidden = false; $('#view').innerHTML = '';
  $('#token').focus();
}

// The agencies a request may name: the token's, or "" (every agency) for "*".
function scopes() { return session.all_agencies ? [''] : session.agencies; }
// One read for each agency of the token (or one for every agency): the
// replies, in the order of scopes().
function perAgency(path, params) {
  return Promise.all(scopes().map((a) => api(path + query(Object.assign({ agency: a }, params)))));
}
function agencySelect(name, selected) {
  const options = session.all_agencies ? [['', t('allAgencies')]] : [];
  session.agencies.forEach((a) => options.push([a, a]));
  return `<label>${t('agency')}<select name="${name}">${options.map(([v, l]) =>
    `<option value="${esc(v)}"${v === selected ? ' selected' : ''}>${esc(l)}</option>`).join('')}</select></label>`;
}

// ---- charts (SVG drawn here: nothing to load from elsewhere) ----
function barChart(rows) {
  const width = 560, barHeight = 18, gap = 10, left = 170;
  const max = Math.max(1, ...rows.map((r) => Math.max(r.dossiers, r.steps)));
  const height = rows.length * (2 * barHeight + gap) + 10;
  const scale = (v) => (width - left - 40) * v / max;
  let y = 5, out = '';
  rows.forEach((r) => {
    out += `<text x="0" y="${y + barHeight + 4}">${esc(r.agency)}</text>`;
    out += `<rect class="bar-dossiers" x="${left}" y="${y}" width="${scale(r.dossiers)}" height="${barHeight - 2}"><title>${t('dossiers')}: ${r.dossiers}</title></rect>`;
    out += `<text x="${left + scale(r.dossiers) + 4}" y="${y + 13}">${r.dossiers}</text>`;
    out += `<rect class="bar-steps" x="${left}" y="${y + barHeight}" width="${scale(r.steps)}" height="${barHeight - 2}"><title>${t('steps')}: ${r.steps}</title></rect>`;
    out += `<text x="${left + scale(r.steps) + 4}" y="${y + barHeight + 13}">${r.steps}</text>`;
    y += 2 * barHeight + gap;
  });
  return `<svg viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${t('perAgency')}">${out}</svg>
    <div class="legend"><span><i class="dossiers"></i>${t('dossiers')}</span><span><i class="steps"></i>${t('steps')}</span></div>`;
}
function lineChart(points) {
  // Months as people write them ("11/2026"), slanted so that twelve fit
  // side by side, each ending under its point: none runs past the right
  // edge, and the bottom has room for them.
  const width = 560, height = 220, left = 36, right = 16, bottom = 50, top = 10;
  const x = (i) => left + 12 + (width - left - 12 - right) * i / Math.max(1, points.length - 1);
  const y = (v) => top + (height - top - bottom) * (1 - v);
  let out = '';
  [0, 0.5, 1].forEach((v) => {
    out += `<line class="axis" x1="${left}" x2="${width}" y1="${y(v)}" y2="${y(v)}"/><text x="0" y="${y(v) + 4}">${v * 100}%</text>`;
  });
  const drawn = points.map((p, i) => [p, i]).filter(([p]) => p.rate !== null);
  if (drawn.length) out += `<polyline class="line" points="${drawn.map(([p, i]) => `${x(i)},${y(p.rate)}`).join(' ')}"/>`;
  points.forEach((p, i) => {
    const ly = height - bottom + 16;
    out += `<text class="month" x="${x(i)}" y="${ly}" text-anchor="end" transform="rotate(-35 ${x(i)} ${ly})">${esc(p.label)}</text>`;
    if (p.rate !== null) out += `<circle class="dot" cx="${x(i)}" cy="${y(p.rate)}" r="3"><title>${p.label}: ${Math.round(p.rate * 100)}% (${p.onTime}/${p.resolved})</title></circle>`;
  });
  return `<svg viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${t('onTimeRate')}">${out}</svg>`;
}

// ---- views ----
const views = {};

views.overview = async (view) => {
  view.innerHTML = `<h1>${t('overviewTitle')}</h1><p class="muted">${t('now')}: ${fmtTime(session.now)}</p><div class="cards">
    <div class="card wide" id="overdue-card"><h2>${t('overdueNow')}</h2><div class="body">…</div></div>
    <div class="card" id="due-card"><h2>${t('dueNextDay')}</h2><div class="body">…</div></div>
    <div class="card" id="rate-card"><h2>${t('onTimeRate')}</h2><div class="body">…</div></div>
    <div class="card" id="paused-card"><h2>${t('pausedOverdue')}</h2><div class="body">…</div></div></div>`;
  const fail = (card) => (e) => { $(`#${card} .body`).innerHTML = `<p class="error">${esc(e.message)}</p>`; };
  // Overdue per agency.
  perAgency('/api/v1/overdue-counts', {}).then((replies) => {
    const rows = [].concat(...replies.map((r) => r.agencies)).map((r) => ({ agency: r.agency, dossiers: Number(r.dossiers), steps: Number(r.steps) }));
    const dossiers = rows.reduce((s, r) => s + r.dossiers, 0), steps = rows.reduce((s, r) => s + r.steps, 0);
    $('#overdue-card .body').innerHTML = `<p><a href="#/overdue"><span class="big late" id="overdue-total">${dossiers}</span></a> ${t('dossiers')} · <span class="big">${steps}</span> ${t('steps')}</p>` +
      (rows.length ? barChart(rows) : `<p>${t('noneNow')}</p>`);
  }).catch(fail('overdue-card'));
  // Due within the next working day.
  perAgency('/api/v1/due-soon', { within: `${session.working_day_seconds}s`, page_size: 100 }).then((replies) => {
    const entries = [].concat(...replies.map((r) => r.entries));
    $('#due-card .body').innerHTML = `<p><a href="#/due-soon"><span class="big">${entries.length}${replies.some((r) => r.next_page_token) ? '+' : ''}</span></a></p>` +
      (entries.length ? `<ul>${entries.slice(0, 8).map((e) => `<li><a href="#/dossier/${encodeURIComponent(e.dossier.code)}">${esc(e.dossier.code)}</a> · ${fmtTime(e.due_at)} · ${esc(fmtLateness(e.lateness))}</li>`).join('')}</ul>` : `<p>${t('noneNow')}</p>`);
  }).catch(fail('due-card'));
  // On-time rate per month, and paused dossiers past due today.
  const today = session.now.slice(0, 10);
  const months = [];
  let [year, month] = [Number(today.slice(0, 4)), Number(today.slice(5, 7))];
  for (let i = 0; i < 12; i++) {
    const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
    const from = `${year}-${String(month).padStart(2, '0')}-01`;
    const to = i === 0 ? today : `${year}-${String(month).padStart(2, '0')}-${last}`;
    months.unshift({ from, to, label: `${String(month).padStart(2, '0')}/${year}` });
    month -= 1; if (month === 0) { month = 12; year -= 1; }
  }
  const report = (from, to) => perAgency('/api/v1/report', { from_day: from, to_day: to, group_by: 'GROUP_BY_AGENCY', count_at: 'COUNT_AT_RESOLUTION' })
    .then((replies) => replies.map((r) => r.total).reduce((s, r) => {
      for (const k of Object.keys(r)) if (k !== 'group') s[k] = (s[k] || 0) + Number(r[k]);
      return s;
    }, {}));
  Promise.all(months.map((m) => report(m.from, m.to))).then((totals) => {
    const points = months.map((m, i) => {
      const r = totals[i], resolved = r.resolved || 0, onTime = (r.resolved_early || 0) + (r.resolved_on_time || 0);
      return { label: m.label, resolved, onTime, rate: resolved ? onTime / resolved : null };
    });
    const empty = points.filter((p) => p.rate === null);
    if (empty.length === points.length) {
      $('#rate-card .body').innerHTML = `<p id="rate-empty" class="muted">${t('noRateYet')}</p>`;
      return;
    }
    const resolved = points.reduce((s, p) => s + p.resolved, 0);
    $('#rate-card .body').innerHTML = lineChart(points) +
      `<p class="muted">${t('resolvedOf')(resolved)}${empty.length ? ` · ${t('noResolved')}: ${empty.map((p) => p.label).join(', ')}` : ''}</p>`;
  }).catch(fail('rate-card'));
  report(today, today).then((total) => {
    $('#paused-card .body').innerHTML = `<p><span class="big late" id="paused-overdue">${total.paused_overdue || 0}</span> / ${total.paused || 0} ${t('paused').toLowerCase()}</p>`;
  }).catch(fail('paused-card'));
};

function listView(kind) {
  return async (view, params) => {
    const overdue = kind === 'overdue';
    const p = Object.assign({ agency: session.all_agencies ? '' : session.agencies[0], kind: 'DEADLINE_KIND_DOSSIER', page_size: '50', sort: 'api', hours: overdue ? '0' : '8' }, params);
    view.innerHTML = `<h1>${overdue ? t('overdueTitle') : t('dueSoonTitle')}</h1>
      <form class="filters" id="list-filters">
        ${agencySelect('agency', p.agency)}
        <label>${t('procedure')}<input name="procedure_code" value="${esc(p.procedure_code || '')}" size="14"></label>
        <label>${t('unit')}<input name="unit" value="${esc(p.unit || '')}" size="14"></label>
        <label>${t('kind')}<select name="kind">${[['DEADLINE_KIND_DOSSIER', t('kindDossier')], ['DEADLINE_KIND_STEP', t('kindStep')], ['DEADLINE_KIND_ALL', t('kindAll')]].map(([v, l]) => `<option value="${v}"${v === p.kind ? ' selected' : ''}>${l}</option>`).join('')}</select></label>
        <label>${overdue ? t('minLateness') : t('within')}<input name="hours" type="number" min="0" step="0.5" value="${esc(p.hours)}" size="5"></label>
        <label>${t('pageSize')}<select name="page_size">${['20', '50', '100', '500'].map((v) => `<option${v === p.page_size ? ' selected' : ''}>${v}</option>`).join('')}</select></label>
        <label>${t('sort')}<select name="sort">${[['api', t('sortApi')], ['due', t('sortDue')], ['code', t('sortCode')]].map(([v, l]) => `<option value="${v}"${v === p.sort ? ' selected' : ''}>${l}</option>`).join('')}</select></label>
        <button class="primary" type="submit">${t('show')}</button>
      </form><div id="list-body">…</div>`;
    $('#list-filters').addEventListener('submit', (e) => {
      e.preventDefault();
      const data = Object.fromEntries(new FormData(e.target));
      location.hash = `#/${kind}` + query(data);
    });
    const tokens = [''];
    const load = async (page) => {
      const request = { agency: p.agency, procedure_code: p.procedure_code, unit: p.unit, kind: p.kind, page_size: p.page_size, page_token: tokens[page] };
      const seconds = Math.round(Number(p.hours || 0) * 3600);
      if (overdue) { if (seconds > 0) request.min_lateness = `${seconds}s`; } else request.within = `${Math.max(seconds, 60)}s`;
      const body = $('#list-body');
      try {
        const reply = await api(`/api/v1/${kind}` + query(request));
        if (reply.next_page_token) tokens[page + 1] = reply.next_page_token;
        const entries = reply.entries.slice();
        if (p.sort === 'due') entries.sort((a, b) => (a.due_at < b.due_at ? -1 : a.due_at > b.due_at ? 1 : 0));
        if (p.sort === 'code') entries.sort((a, b) => a.dossier.code.localeCompare(b.dossier.code));
        body.innerHTML = (entries.length ? `<div class="table-wrap"><table id="deadline-table"><thead><tr>
          <th scope="col">${t('code')}</th><th scope="col">${t('agency')}</th><th scope="col" class="hide-narrow">${t('procedure')}</th>
          <th scope="col">${t('status')}</th><th scope="col" class="hide-narrow">${t('unit')}</th><th scope="col">${t('due')}</th>
          <th scope="col">${overdue ? t('lateness') : t('left')}</th></tr></thead><tbody>
          ${entries.map((e) => `<tr data-code="${esc(e.dossier.code)}" data-kind="${esc(e.kind)}">
            <td><a href="#/dossier/${encodeURIComponent(e.dossier.code)}">${esc(e.dossier.code)}</a>${e.kind === 'DEADLINE_KIND_STEP' ? ` <span class="badge">${t('step')} ${esc(e.step_id)}</span>` : ''}</td>
            <td>${esc(e.dossier.agency)}</td><td class="hide-narrow">${esc(e.dossier.procedure_code)}</td>
            <td>${stateBadge(e.dossier.state)}</td><td class="hide-narrow">${esc(e.unit)}</td><td>${fmtTime(e.due_at)}</td>
            <td class="${overdue ? 'late' : ''}">${esc(fmtLateness(e.lateness))}</td></tr>`).join('')}
          </tbody></table></div>` : `<p id="no-rows">${t('noRows')}</p>`) +
          `<div class="pager"><button type="button" id="prev-page"${page === 0 ? ' disabled' : ''}>${t('prev')}</button>
           <span>${t('page')} ${page + 1}</span><button type="button" id="next-page"${reply.next_page_token ? '' : ' disabled'}>${t('next')}</button></div>`;
        $('#prev-page').addEventListener('click', () => load(page - 1));
        $('#next-page').addEventListener('click', () => load(page + 1));
      } catch (e) { body.innerHTML = `<p class="error">${esc(e.message)}</p>`; }
    };
    load(0);
  };
}
views.overdue = listView('overdue');
views['due-soon'] = listView('due-soon');

// The control sheet as a timeline: each step from its start to its end (or
// now), its budget up to its due time dashed, every pause of the clock
// shaded on the row of the step it fell in.
function timeline(dossier) {
  const sheet = dossier.control_sheet || [];
  if (!sheet.length) return `<p class="muted">${t('noSteps')}</p>`;
  const now = Date.parse(isoNow());
  // Every pause (Get with_pauses); the one under way alone from an older reply.
  const pauses = dossier.pauses && dossier.pauses.length ? dossier.pauses
    : dossier.paused_since ? [{ reason: '', started_at: dossier.paused_since }] : [];
  const times = [];
  sheet.forEach((s) => { times.push(Date.parse(s.started_at), Date.parse(s.due_at), s.ended_at ? Date.parse(s.ended_at) : now); });
  const start = Math.min(...times), end = Math.max(...times, start + 1);
  const width = 760, left = 260, row = 26;
  const x = (ms) => left + (width - left - 10) * (ms - start) / (end - start);
  let out = '';
  sheet.forEach((s, i) => {
    const y = 6 + i * row;
    const from = Date.parse(s.started_at), to = s.ended_at ? Date.parse(s.ended_at) : now, due = Date.parse(s.due_at);
    out += `<text x="0" y="${y + 13}">${esc(s.step_id || '—')} · ${esc(s.unit)}</text>`;
    out += `<rect class="budget" x="${x(from)}" y="${y}" width="${Math.max(1, x(due) - x(from))}" height="18"><title>${t('stepDue')}: ${fmtTime(s.due_at)}</title></rect>`;
    out += `<rect class="used${s.late ? ' late' : ''}" x="${x(from)}" y="${y + 4}" width="${Math.max(2, x(to) - x(from))}" height="10"><title>${t('used')}: ${esc(fmtWorking(s.used && s.used.seconds))}</title></rect>`;
    pauses.forEach((p) => {
      // On the row of the step open when it began: the last step started by
      // then (a pause that begins as one step ends and the next starts is
      // the next one's). A step's start is a working instant, so a pause
      // made out of hours can begin before the first step does: the first.
      const ps = Date.parse(p.started_at), pe = p.ended_at ? Date.parse(p.ended_at) : now;
      let owner = 0;
      sheet.forEach((other, j) => { if (Date.parse(other.started_at) <= ps) owner = j; });
      if (owner !== i) return;
      const p0 = Math.min(Math.max(from, ps), to), p1 = Math.max(Math.min(to, pe), p0);
      const what = `${t('pausedFrom')} (${named(PAUSE_REASONS, p.reason)}) ${fmtTime(p.started_at)} – ${p.ended_at ? fmtTime(p.ended_at) : t('open')}`;
      out += `<rect class="pause" x="${x(p0)}" y="${y}" width="${Math.max(2, x(p1) - x(p0))}" height="18"><title>${esc(what)}</title></rect>`;
    });
  });
  return `<svg viewBox="0 0 ${width} ${sheet.length * row + 10}" width="100%" role="img" aria-label="${t('controlSheet')}">${out}</svg>
    <div class="legend"><span><i class="used"></i>${t('used')}</span><span>┄ ${t('stepDue')}</span><span><i class="pause"></i>${t('paused')}</span></div>`;
}

function dossierFacts(d) {
  const left = d.working_time_left ? fmtLateness({ seconds: -Number(d.working_time_left.seconds) }) : '';
  const channel = CHANNELS[d.channel];
  const pausedTotal = Object.values(d.paused || {}).reduce((s, p) => s + Number(p.seconds), 0);
  return `<dl class="facts">
    <dt>${t('status')}</dt><dd id="dossier-state">${stateBadge(d.state)}</dd>
    <dt>${t('agency')}</dt><dd>${esc(d.agency)}</dd>
    <dt>${t('procedure')}</dt><dd>${esc(d.procedure_code)} (${esc(d.procedure_version)})</dd>
    <dt>${t('field')}</dt><dd>${esc(d.field)}</dd>
    <dt>${t('channel')}</dt><dd>${channel ? esc(channel[lang === 'vi' ? 0 : 1]) : esc(d.channel)}</dd>
    <dt>${t('received')}</dt><dd>${fmtTime(d.received_at)}</dd>
    <dt>${t('dueAt')}</dt><dd id="dossier-due">${fmtTime(d.due_at)}</dd>
    <dt>${t('workingLeft')}</dt><dd class="${d.past_due ? 'late' : ''}">${esc(left)}</dd>
    <dt>${t('currentUnit')}</dt><dd>${esc(d.current_unit)}${d.current_step ? ` (${t('step')} ${esc(d.current_step)}, ${t('stepDue').toLowerCase()} ${fmtTime(d.current_step_due_at)})` : ''}</dd>
    <dt>${t('paused')}</dt><dd>${esc(fmtWorking(pausedTotal))}${d.paused_since ? ` · ${t('pausedNow')} ${fmtTime(d.paused_since)}` : ''}</dd>
  </dl>`;
}

views.dossier = async (view, params, code) => {
  view.innerHTML = '…';
  let d;
  try { d = await api(`/api/v1/dossiers/${encodeURIComponent(code)}` + query({ with_pauses: 'true' })); } catch (e) {
    view.innerHTML = `<h1>${t('dossierTitle')} ${esc(code)}</h1><p class="error">${esc(e.message)}</p>`; return;
  }
  const sheet = d.control_sheet || [];
  view.innerHTML = `<h1>${t('dossierTitle')} ${esc(d.code)} <button type="button" class="no-print" id="print">${t('print')}</button></h1>
    <p class="print-only">${t('controlSheet')} — ${t('now')}: ${fmtTime(session.now)}</p>
    <div class="cards"><div class="card wide">${dossierFacts(d)}</div>
    <div class="card wide" id="control-sheet"><h2>${t('controlSheet')}</h2>${timeline(d)}
      <div class="table-wrap"><table><thead><tr><th scope="col">${t('step')}</th><th scope="col">${t('unit')}</th><th scope="col">${t('started')}</th>
      <th scope="col">${t('stepDue')}</th><th scope="col">${t('ended')}</th><th scope="col">${t('used')}</th><th scope="col" class="hide-narrow">${t('handedBy')}</th></tr></thead>
      <tbody>${sheet.map((s) => `<tr class="${s.late ? 'late' : ''}"><td>${esc(s.step_id || '—')}</td><td>${esc(s.unit)}</td><td>${fmtTime(s.started_at)}</td>
      <td>${fmtTime(s.due_at)}</td><td>${s.ended_at ? fmtTime(s.ended_at) : t('open')}</td><td>${esc(fmtWorking(s.used && s.used.seconds))}${s.late ? ' ⚠' : ''}</td><td class="hide-narrow">${esc(s.handed_over_by)}</td></tr>`).join('')}</tbody></table></div></div>
    <div class="card" id="as-of-card"><h2>${t('asOf')}</h2><form class="filters" id="as-of-form">
      <label>${t('asOfAt')}<input type="datetime-local" name="at" required value="${session.now.slice(0, 16)}"></label>
      <button type="submit">${t('asOfShow')}</button></form><div id="as-of-body"></div></div>
    <div class="card" id="events-card"><h2>${t('events')}</h2><div id="events-body">…</div></div></div>`;
  $('#print').addEventListener('click', () => window.print());
  $('#as-of-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const at = new FormData(e.target).get('at');
    const out = $('#as-of-body');
    try {
      const then = await api(`/api/v1/dossiers/${encodeURIComponent(code)}/as-of` + query({ as_of: `${at}:00+07:00` }));
      out.innerHTML = dossierFacts(then);
    } catch (err) { out.innerHTML = `<p class="error">${esc(err.status === 403 ? t('eventsAudit') : err.message)}</p>`; }
  });
  try {
    const reply = await api(`/api/v1/dossiers/${encodeURIComponent(code)}/events`);
    $('#events-body').innerHTML = `<ol>${reply.events.map((e) => `<li>${eventLine(e)}</li>`).join('')}</ol>`;
  } catch (e) { $('#events-body').innerHTML = `<p class="muted">${esc(e.status === 403 ? t('eventsAudit') : e.message)}</p>`; }
};

views.report = async (view, params) => {
  const today = session.now.slice(0, 10);
  const p = Object.assign({ from_day: today.slice(0, 8) + '01', to_day: today, group_by: 'GROUP_BY_AGENCY', count_at: 'COUNT_AT_RESOLUTION', agency: session.all_agencies ? '' : session.agencies[0] }, params);
  view.innerHTML = `<h1>${t('reportTitle')}</h1><form class="filters" id="report-form">
    <label>${t('from')}<input type="date" name="from_day" value="${esc(p.from_day)}" required></label>
    <label>${t('to')}<input type="date" name="to_day" value="${esc(p.to_day)}" required></label>
    <label>${t('groupBy')}<select name="group_by">${[['GROUP_BY_AGENCY', t('gAgency')], ['GROUP_BY_PROCEDURE', t('gProcedure')], ['GROUP_BY_FIELD', t('gField')], ['GROUP_BY_UNIT', t('gUnit')]].map(([v, l]) => `<option value="${v}"${v === p.group_by ? ' selected' : ''}>${l}</option>`).join('')}</select></label>
    <label>${t('countAt')}<select name="count_at">${[['COUNT_AT_RESOLUTION', t('atResolution')], ['COUNT_AT_RETURN', t('atReturn')]].map(([v, l]) => `<option value="${v}"${v === p.count_at ? ' selected' : ''}>${l}</option>`).join('')}</select></label>
    ${agencySelect('agency', p.agency)}<button class="primary" type="submit">${t('show')}</button></form><div id="report-body">…</div>`;
  $('#report-form').addEventListener('submit', (e) => { e.preventDefault(); location.hash = '#/report' + query(Object.fromEntries(new FormData(e.target))); });
  const request = { from_day: p.from_day, to_day: p.to_day, group_by: p.group_by, count_at: p.count_at, agency: p.agency };
  try {
    const reply = await api('/api/v1/report' + query(request));
    const n = (v) => Number(v);
    const cells = (r) => [r.received, r.new_online, r.new_in_person_or_postal, r.carried_over, r.resolved, r.resolved_early, r.resolved_on_time, r.resolved_late, r.pending, r.pending_within, r.pending_overdue, r.paused, r.paused_within, r.paused_overdue].map(n);
    const balanced = (r) => n(r.received) === n(r.carried_over) + n(r.new_online) + n(r.new_in_person_or_postal) && n(r.received) === n(r.resolved) + n(r.pending) + n(r.paused);
    const row = (r, i) => `<tr data-group="${esc(r.group)}"><td class="num">${i === null ? '' : i + 1}</td><td>${i === null ? `<b>${t('total')}</b>` : esc(r.group)}</td>${cells(r).map((v) => `<td class="num">${v}</td>`).join('')}<td>${balanced(r) ? '<span class="ok">✓</span>' : '<span class="late">✗</span>'}</td></tr>`;
    $('#report-body').innerHTML = `<p><a id="report-csv" href="/api/v1/report.csv${query(request)}" download>${t('downloadCsv')}</a> ·
      <a id="report-xlsx" href="/api/v1/report.xlsx${query(request)}" download>${t('downloadXlsx')}</a></p>
      <p class="muted">${fmtDay(p.from_day)} – ${fmtDay(p.to_day)}. Đơn vị tính: Số hồ sơ TTHC. ${t('invariantNote')}</p>
      <div class="table-wrap"><table class="form" id="report-table"><thead>
      <tr><th rowspan="2" scope="col">STT</th><th rowspan="2" scope="col">Lĩnh vực, công việc giải quyết theo cấp</th>
      <th colspan="4" scope="colgroup">Số hồ sơ nhận giải quyết</th><th colspan="4" scope="colgroup">Số hồ sơ đã giải quyết</th>
      <th colspan="3" scope="colgroup">Số lượng hồ sơ đang giải quyết</th><th colspan="3" scope="colgroup">Số hồ sơ tạm dừng</th><th rowspan="2" scope="col">${t('invariant')}</th></tr>
      <tr><th scope="col">Tổng số</th><th scope="col">Trực tuyến</th><th scope="col">Trực tiếp, dịch vụ bưu chính</th><th scope="col">Từ kỳ trước</th>
      <th scope="col">Tổng số</th><th scope="col">Trước hạn</th><th scope="col">Đúng hạn</th><th scope="col">Quá hạn</th>
      <th scope="col">Tổng số</th><th scope="col">Trong hạn</th><th scope="col">Quá hạn</th><th scope="col">Tổng số</th><th scope="col">Trong hạn</th><th scope="col">Quá hạn</th></tr></thead>
      <tbody>${reply.rows.map((r, i) => row(r, i)).join('')}${row(reply.total, null)}</tbody></table></div>`;
  } catch (e) { $('#report-body').innerHTML = `<p class="error">${esc(e.message)}</p>`; }
};

views.live = async (view, params) => {
  const p = Object.assign({ agency: session.all_agencies ? '' : (session.agencies.length === 1 ? session.agencies[0] : ''), types: '' }, params);
  const types = p.types.split(',').map((s) => s.trim()).filter(Boolean);
  // The types by their names, each a checkbox; none ticked: every type.
  const boxes = Object.keys(EVENT_TYPES).map((type) => `<label class="check"><input type="checkbox" name="types" value="${type}"${types.includes(type) ? ' checked' : ''}>${esc(named(EVENT_TYPES, type))}</label>`).join('');
  view.innerHTML = `<h1>${t('liveTitle')}</h1><form class="filters" id="live-form">${agencySelect('agency', p.agency)}
    <details id="live-types"><summary>${t('types')}: ${types.length ? esc(types.map((type) => named(EVENT_TYPES, type)).join(', ')) : t('allTypes')}</summary><div class="checks">${boxes}</div></details>
    <button class="primary" type="submit">${t('follow')}</button></form>
    <p id="live-status" class="muted" role="status">${t('liveWaiting')}</p><ul id="live-list"></ul>`;
  $('#live-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const data = new FormData(e.target);
    location.hash = '#/live' + query({ agency: data.get('agency'), types: data.getAll('types').join(',') });
  });
  const info = await api('/api/v1/session');  // the head now: live from here on
  liveSource = new EventSource('/api/v1/events' + query({ after_sequence: info.head_sequence, agency: p.agency, types }));
  liveSource.onopen = () => { $('#live-status').textContent = t('liveWaiting'); };
  liveSource.onerror = () => { const s = $('#live-status'); if (s) s.textContent = t('liveLost'); };
  liveSource.onmessage = (message) => {
    const e = JSON.parse(message.data);
    const list = $('#live-list');
    if (!list) return;
    const item = document.createElement('li');
    item.dataset.code = e.dossier_code;
    item.dataset.type = e.type;
    const description = lang === 'vi' && e.description_vi ? e.description_vi : e.description;
    item.innerHTML = `<span class="muted">#${esc(e.sequence)} ${fmtTime(e.occurred_at || e.recorded_at)}</span> · <b title="${esc(e.type)}">${esc(named(EVENT_TYPES, e.type))}</b> ·
      <a href="#/dossier/${encodeURIComponent(e.dossier_code)}">${esc(e.dossier_code)}</a> · ${esc(e.agency)} · <span class="description">${esc(description || '')}</span>`;
    list.prepend(item);
    while (list.children.length > 200) list.lastChild.remove();
  };
};

views.audit = async (view) => {
  view.innerHTML = `<h1>${t('auditTitle')}</h1><p><button class="primary" type="button" id="verify">${t('verify')}</button></p><div id="verify-body"></div>`;
  $('#verify').addEventListener('click', async () => {
    const out = $('#verify-body');
    out.textContent = t('verifying');
    try {
      const r = await api('/api/v1/audit/verify', { method: 'POST' });
      out.innerHTML = `<p id="verify-result" class="big ${r.intact ? 'ok' : 'late'}">${r.intact ? t('intact') : t('damaged')}</p>
        <dl class="facts"><dt>${t('eventsChecked')}</dt><dd>${esc(r.events_checked)}</dd><dt>${t('head')}</dt><dd>${esc(r.head_sequence)} · <code>${esc(r.head_hash)}</code></dd>
        ${r.intact ? '' : `<dt>${t('firstBad')}</dt><dd>${esc(r.first_bad_sequence)}: ${esc(r.problem)}</dd>`}</dl>`;
    } catch (e) { out.innerHTML = `<p class="error">${esc(e.message)}</p>`; }
  });
};

async function route() {
  if (liveSource) { liveSource.close(); liveSource = null; }
  if (!session) return;
  const hash = location.hash || '#/overview';
  const [path, search] = hash.slice(1).split('?');
  const parts = path.split('/').filter(Boolean);
  const params = Object.fromEntries(new URLSearchParams(search || ''));
  const name = parts[0] || 'overview';
  document.querySelectorAll('nav a').forEach((a) => {
    if (a.getAttribute('href') === `#/${name}`) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  });
  const view = $('#view');
  const render = views[name] || views.overview;
  try {
    // The server's clock, for "now" in every view.
    session = Object.assign(session, await api('/api/v1/session'));
    await render(view, params, decodeURIComponent(parts.slice(1).join('/')));
  } catch (e) { if (e.message !== 'unauthenticated') view.innerHTML = `<p class="error">${esc(e.message)}</p>`; }
}

function signedIn(info) {
  session = info;
  $('#sign-in-view').hidden = true; $('#nav').hidden = false; $('#sign-out').hidden = false;
  $('#nav-audit').hidden = !(info.role === 'auditor' || info.role === 'admin');
  $('#who').textContent = `${info.name} (${info.role})`;
  route();
}

document.addEventListener('DOMContentLoaded', async () => {
  translateStatic();
  $('#lang').addEventListener('click', () => {
    lang = lang === 'vi' ? 'en' : 'vi'; localStorage.setItem('motcua.lang', lang); translateStatic(); route();
  });
  $('#sign-in-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    $('#sign-in-error').textContent = '';
    const response = await fetch('/api/v1/session', { method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token: $('#token').value }) });
    const body = await response.json().catch(() => ({}));
    $('#token').value = '';
    if (!response.ok) { $('#sign-in-error').textContent = body.message || response.statusText; return; }
    signedIn(body);
  });
  $('#sign-out').addEventListener('click', async () => {
    await fetch('/api/v1/session', { method: 'DELETE', credentials: 'same-origin' });
    showSignIn();
  });
  window.addEventListener('hashchange', route);
  const response = await fetch('/api/v1/session', { credentials: 'same-origin' });
  if (response.ok) signedIn(await response.json()); else showSignIn();
});
