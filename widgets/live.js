// The live page: the one place the LSTM's forward pass exists a second time (proven equal to
// explainer's by tests/test_widgets_live.py). Everything else here only draws what it computes.
(function () {
'use strict';
const D = JSON.parse(document.getElementById('lstm-data').textContent);
const $ = (id) => document.getElementById(id);
const P = D.palette;
const FIELDS = ['i', 'f', 'g', 'o', 'c', 'h'];

// ---- the maths: one LSTM step, the Dense readout, softmax (float64) ----------------------------
const sigmoid = (z) => 1 / (1 + Math.exp(-z));
function fromZ(z, cPrev, clamp) {          // z: [z_i | z_f | z_g | z_o], each `units` long
  const u = cPrev.length, s = {z: z, i: [], f: [], g: [], o: [], c: [], tanh_c: [], h: []};
  for (let k = 0; k < u; k++) {
    s.i[k] = sigmoid(z[k]); s.f[k] = sigmoid(z[u + k]); s.g[k] = Math.tanh(z[2 * u + k]); s.o[k] = sigmoid(z[3 * u + k]);
  }
  (clamp || []).forEach(q => { if ('ifgo'.includes(q.f)) s[q.f][q.u] = q.v; });
  for (let k = 0; k < u; k++) s.c[k] = s.f[k] * cPrev[k] + s.i[k] * s.g[k];   // c = f ⊙ c_prev + i ⊙ g
  (clamp || []).forEach(q => { if (q.f === 'c') s.c[q.u] = q.v; });
  for (let k = 0; k < u; k++) { s.tanh_c[k] = Math.tanh(s.c[k]); s.h[k] = s.o[k] * s.tanh_c[k]; }  // h = o ⊙ tanh(c)
  (clamp || []).forEach(q => { if (q.f === 'h') s.h[q.u] = q.v; });
  return s;
}
function lstmStep(M, x, hPrev, cPrev, clamp) {  // z = x W + h_prev U + b
  const n = M.b.length, z = M.b.slice();
  for (let j = 0; j < n; j++) {
    for (let d = 0; d < x.length; d++) z[j] += x[d] * M.W[d][j];
    for (let k = 0; k < hPrev.length; k++) z[j] += hPrev[k] * M.U[k][j];
  }
  const s = fromZ(z, cPrev, clamp);
  s.x = x; s.h_prev = hPrev; s.c_prev = cPrev;
  return s;
}
function run(M, xs, ivs) {                      // every step of a sequence, from zero state
  const u = M.U.length; let h = new Array(u).fill(0), c = new Array(u).fill(0);
  return xs.map((x, t) => { const s = lstmStep(M, x, h, c, (ivs || []).filter(q => q.t === t)); h = s.h; c = s.c; return s; });
}
function readout(R, h) {                        // p = softmax(h W_d + b_d)
  const logits = R.b.map((b, j) => h.reduce((a, hk, k) => a + hk * R.W[k][j], b));
  const m = Math.max(...logits), e = logits.map(v => Math.exp(v - m)), sum = e.reduce((a, v) => a + v, 0);
  return e.map(v => v / sum);
}
window.lstmLive = {fromZ, lstmStep, run, readout};

// ---- numbers and text ----------------------------------------------------------------------------
function fixed(v, d) {                          // Python's f"{v:.{d}f}": round half to even on exact ties
  let s = Math.abs(v).toFixed(d);
  const scaled = Math.abs(v) * 10 ** d;
  if (scaled % 1 === 0.5 && Math.floor(scaled) % 2 === 0) s = (Math.floor(scaled) / 10 ** d).toFixed(d);
  return (v < 0 && +s !== 0 ? '-' : '') + s;
}
function num(v, d) { const s = fixed(v, d === undefined ? 3 : d); return (+s === 0 ? fixed(0, d === undefined ? 3 : d) : s).replace('-', '−'); }
function fmt(v) { const s = fixed(v, 3); if (+s === 0) return '0.000'; return (v >= 0 ? '+' + s : s).replace('-', '−'); }
function factor(v) { const s = num(v); return s.startsWith('−') ? '(' + s + ')' : s; }
// a vector on one line as widgets.diagram._vec prints it: a one-hot word whole, its runs of zeros as "0 ×k"
function vec(a) {
  if (a.length === 1) return fmt(a[0]);
  if (a.length > 4 && a.filter(x => x !== 0).length <= 2) {
    const parts = []; let zeros = 0;
    for (const x of [...a, null]) {
      if (x === 0) { zeros++; continue; }
      if (zeros) parts.push(zeros === 1 ? '0' : '0 ×' + zeros);
      zeros = 0;
      if (x !== null) parts.push(fmt(x));
    }
    return '[' + parts.join(', ') + ']';
  }
  return '[' + a.slice(0, 4).map(fmt).join(', ') + (a.length > 4 ? ', …' : '') + ']';
}
function peak(a) { return a.length ? a.reduce((p, v) => Math.abs(v) > Math.abs(p) ? v : p, a[0]) : 0; }  // diagram._signed_peak
const esc = (s) => String(s).replace(/[&<>"']/g, ch => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;'}[ch]));
const st = {tab: D.start.tab, lang: D.langs[0], t: D.start.iv.length ? D.start.iv[0].t : D.start.t, u: D.start.iv.length ? D.start.iv[0].u : D.start.u,
  text: '', iv: D.start.iv.slice(), sl: Object.assign({}, D.cell.start), timer: null, note: null};
// a clamp's range, from explainer.intervention's table (null: unbounded, but always a finite number)
function inRange(f, v) { const r = D.clamp_ranges[f]; return Number.isFinite(v) && (r[0] === null || v >= r[0]) && (r[1] === null || v <= r[1]); }
function noteText() {   // the what-if box's one line, in the language shown now
  if (!st.note) return '';
  if (st.note.k !== 'clamp_out_of_range') return ui(st.note.k);
  const r = D.clamp_ranges[st.note.field];
  const range = r[0] === null ? ui('clamp_any_number') : ui('clamp_range').replace('{low}', num(r[0], 0)).replace('{high}', num(r[1], 0));
  return ui('clamp_out_of_range').replace('{field}', st.note.field).replace('{range}', range).replace('{value}', st.note.value);
}
const ui = (k) => D.ui[st.lang][k];

// ---- the drawing (the same geometry and labels as widgets/diagram.py's cell_svg) -------------------
function mag(v, scale) { return Math.min(Math.abs(v) / scale, 1); }
function f1(v) { return (Math.round(v * 10) / 10).toFixed(1); }
function flow(pts, v, scale, colour) {
  const m = mag(v, scale), width = 1.5 + 12 * m, opacity = 0.18 + 0.82 * m, p = pts.map(q => f1(q[0]) + ',' + f1(q[1])).join(' ');
  if (v >= 0) return `<polyline class="lstm-flow" points="${p}" fill="none" stroke="${colour}" stroke-width="${width.toFixed(2)}" stroke-opacity="${opacity.toFixed(3)}" stroke-linecap="round" stroke-linejoin="round"/>`;
  const dash = Math.max(6, 1.6 * width), mx = (pts[0][0] + pts[1][0]) / 2, my = (pts[0][1] + pts[1][1]) / 2;
  return `<polyline class="lstm-flow lstm-flow-neg" points="${p}" fill="none" stroke="${colour}" stroke-width="${width.toFixed(2)}" stroke-opacity="${Math.max(opacity, 0.45).toFixed(3)}" stroke-linecap="butt" stroke-linejoin="round" stroke-dasharray="${dash.toFixed(1)} ${(0.7 * dash).toFixed(1)}"/>` +
    `<g class="lstm-sign-neg"><circle cx="${f1(mx)}" cy="${f1(my)}" r="8" fill="white" stroke="${colour}" stroke-width="1.5"/><text x="${f1(mx)}" y="${f1(my + 4.5)}" font-size="14" font-weight="bold" fill="${colour}" text-anchor="middle">−</text></g>`;
}
function text(x, y, s, o) {
  o = o || {};
  const cls = o.name ? ` class="lstm-val lstm-val-${o.name}"` : o.cls ? ` class="${o.cls}"` : '';
  const data = o.value !== undefined ? ` data-value="${[].concat(o.value).join(' ')}"` : '';
  const key = o.tip && EQ_OF[o.name], eq = o.tip ? ` data-eq="${esc(o.tip)}"` + (key ? ` data-tip="${key}"` : '') + ' tabindex="0"' : '';
  const halo = o.name ? ' paint-order="stroke" stroke="white" stroke-width="4" stroke-linejoin="round"' : '';
  return `<text x="${f1(x)}" y="${f1(y)}" font-size="${o.size || 13}" fill="${o.colour || P.INK}" text-anchor="${o.anchor || 'middle'}" font-weight="${o.weight || 'normal'}"${cls}${data}${eq}${halo}>${esc(s)}</text>`;
}
function node(x, y, s) { return `<circle cx="${x}" cy="${y}" r="13" fill="white" stroke="${P.INK}" stroke-width="1.5"/>` + text(x, y + 6, s, {size: 18}); }
function valve(x, y, value, colour) {
  const gap = 36 * Math.min(1, Math.max(0, value)), half = 23, side = (46 - gap) / 2, t = 9;
  return `<g class="lstm-valve"><rect x="${x - half - 3}" y="${y - t / 2 - 3}" width="52" height="${t + 6}" rx="3" fill="white" fill-opacity="0.6" stroke="${P.INK}" stroke-width="1"/>` +
    `<rect x="${f1(x - half)}" y="${y - t / 2}" width="${f1(side)}" height="${t}" fill="${colour}"/><rect x="${f1(x + gap / 2)}" y="${y - t / 2}" width="${f1(side)}" height="${t}" fill="${colour}"/></g>`;
}
function gateBox(cx, cy, g, value, z, tip) {      // diagram._gate_box, with diagram.GATE_BOX's sizes
  const G = D.gates[g], B = D.gate_box, w = B.w, h = B.h, x0 = cx - w / 2, y0 = cy - h / 2, level = Math.min(1, Math.max(0, (value - G.low) / (G.high - G.low)));
  const [title, size] = D.gate_titles[st.lang][g];
  return `<g class="lstm-gate lstm-gate-${g}" data-eq="${esc(tip)}" data-tip="${g}" tabindex="0"><rect x="${x0}" y="${y0}" width="${w}" height="${h}" rx="8" fill="white" stroke="${G.color}" stroke-width="2.5"/>` +
    `<rect x="${x0 + 2}" y="${f1(y0 + 2 + (h - 4) * (1 - level))}" width="${w - 4}" height="${f1((h - 4) * level)}" rx="6" fill="${G.color}" fill-opacity="0.28"/>` +
    text(cx, y0 + B.y_title, title, {size: size, colour: G.color, weight: 'bold'}) +
    text(cx, y0 + B.y_value, `${g} = ${fmt(value)}`, {size: B.value, weight: 'bold', name: g, value: value, tip: tip}) +
    text(cx, y0 + B.y_z, `z = ${fmt(z)}`, {size: B.z, colour: P.MUTED, name: 'z' + G.block, value: z, tip: tip}) + '</g>';
}
function tips(eq) {                               // diagram.tips_svg: one hidden bar per equation, shown by a tap or hover
  return '<g class="lstm-tips">' + Object.keys(eq).map(k => `<g class="lstm-tip lstm-tip-${k}" visibility="hidden"><rect x="4" y="2" width="${D.width - 8}" height="30" rx="6" fill="${P.INK}" fill-opacity="0.92"/>` +
    text(D.width / 2, 23, eq[k], {size: D.type.tip, colour: 'white'}) + '</g>').join('') + '</g>';
}
function values(s, u) {                          // what the drawing prints, for one unit (diagram.step_values)
  const n = s.c.length, v = {x: s.x, h_prev: s.h_prev, c_prev: s.c_prev[u], c: s.c[u], tanh_c: s.tanh_c[u], h: s.h[u],
    kept: s.f[u] * s.c_prev[u], written: s.i[u] * s.g[u]};
  ['i', 'f', 'g', 'o'].forEach((g, k) => { v[g] = s[g][u]; v['z' + D.gates[g].block] = s.z[k * n + u]; });
  return v;
}
function equations(v, held) {
  const L = {z: 'z = xₜ·W + hₜ₋₁·U + b'};
  ['i', 'f', 'g', 'o'].forEach(g => { const fn = g === 'g' ? 'tanh' : 'σ'; L[g] = `${g} = ${fn}(z_${g}) = ${fn}(${num(v['z' + D.gates[g].block], 2)}) = ${num(v[g])}`; });
  L.c = `cₜ = f ⊙ cₜ₋₁ + i ⊙ g = ${factor(v.f)} × ${factor(v.c_prev)} + ${factor(v.i)} × ${factor(v.g)} = ${num(v.c)}`;
  L.h = `hₜ = o ⊙ tanh(cₜ) = ${factor(v.o)} × tanh(${num(v.c)}) = ${factor(v.o)} × ${factor(v.tanh_c)} = ${num(v.h)}`;
  (held || []).forEach(k => { L[k] = `${{c: 'cₜ', h: 'hₜ'}[k] || k} = ${num(v[k])} (${D.terms[st.lang].held_here})`; });
  return L;
}
const EQ_OF = {zf: 'f', f: 'f', zi: 'i', i: 'i', zc: 'g', g: 'g', zo: 'o', o: 'o', c_prev: 'c', kept: 'c', written: 'c', c: 'c', tanh_c: 'h', h: 'h', x: 'z', h_prev: 'z'};
function cellSvg(s, u, title, held) {             // diagram.cell_svg, drawn with its LAYOUT and TYPE
  const v = values(s, u), eq = equations(v, held), tip = {}, C = P.CELL, H = P.HIDDEN, X = P.INPUT_X, L = D.layout, T = D.type;
  Object.keys(EQ_OF).forEach(k => { tip[k] = eq[EQ_OF[k]]; });
  const belt = L.belt, bus = L.bus, gy = L.gate_y, xf = L.xf, xadd = L.xadd, xi = L.xi, xg = L.xg, xo = L.xo, xt = L.xt, ymul = L.ymul, ytanh = L.ytanh, yout = L.yout;
  const top = gy - L.gate_h / 2, bottom = gy + L.gate_h / 2;
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" class="lstm-cell-diagram" width="${D.width}" height="${D.height}" viewBox="0 0 ${D.width} ${D.height}" font-family="${D.font}" style="background:${P.BACKGROUND};width:100%;height:auto;display:block"><style>${D.tip_css}</style>`,
    `<rect x="55" y="28" width="650" height="400" rx="18" fill="${P.PANEL}" stroke="${P.FRAME}" stroke-width="1.5"/>`];
  const lab = [];
  if (title) lab.push(text(380, 20, title, {size: T.label, colour: P.MUTED, cls: 'lstm-title'}));
  out.push(flow([[10, belt], [xf, belt]], v.c_prev, 2, C), flow([[xf, belt], [xadd, belt]], v.kept, 2, C), flow([[xadd, belt], [750, belt]], v.c, 2, C));
  lab.push(text(12, belt - 22, `cₜ₋₁ = ${fmt(v.c_prev)}`, {size: T.number, anchor: 'start', colour: C, weight: 'bold', name: 'c_prev', value: v.c_prev, tip: tip.c_prev}),
    text(xf + 16, belt + 40, `f⊙cₜ₋₁ = ${fmt(v.kept)}`, {size: T.number, anchor: 'start', colour: C, name: 'kept', value: v.kept, tip: tip.kept}),
    text(748, belt - 22, `cₜ = ${fmt(v.c)}`, {anchor: 'end', colour: C, weight: 'bold', size: T.value, name: 'c', value: v.c, tip: tip.c}),
    text(748, belt + 32, D.terms[st.lang].cell_state, {anchor: 'end', colour: C, size: T.label}));
  out.push(flow([[xf, top], [xf, belt]], v.f, 1, P.FORGET), valve(xf, (belt + top) / 2 + 20, v.f, P.FORGET));
  out.push(flow([[xi, top], [xi, ymul], [xadd, ymul]], v.i, 1, P.INPUT), flow([[xg, top], [xg, ymul], [xadd, ymul]], v.g, 1, P.CANDIDATE),
    valve(xi, ymul + 45, v.i, P.INPUT), flow([[xadd, ymul], [xadd, belt]], v.written, 2, C));
  lab.push(text(xadd + 16, (ymul + belt) / 2 + 4, `i⊙g = ${fmt(v.written)}`, {size: T.number, anchor: 'start', colour: C, name: 'written', value: v.written, tip: tip.written}));
  out.push(flow([[xt, belt], [xt, ytanh]], v.c, 2, C), flow([[xt, ytanh], [xt, yout]], v.tanh_c, 1, C),
    `<rect x="${xt - 32}.0" y="${ytanh - 14}" width="64.0" height="28" rx="12" fill="white" stroke="${C}" stroke-width="2"/>`);
  lab.push(text(xt, ytanh + 5, 'tanh', {size: T.label, colour: C}), text(xt - 12, yout - 20, `tanh(cₜ) = ${fmt(v.tanh_c)}`, {anchor: 'end', size: T.number, colour: C, name: 'tanh_c', value: v.tanh_c, tip: tip.tanh_c}));
  out.push(flow([[xo, top], [xo, yout], [xt, yout]], v.o, 1, P.OUTPUT), valve(xo, (yout + top) / 2, v.o, P.OUTPUT),
    flow([[xt, yout], [xt, bus - 40], [750, bus - 40]], v.h, 1, H));
  lab.push(text(748, bus - 40 + 32, `hₜ = ${fmt(v.h)}`, {anchor: 'end', colour: H, weight: 'bold', size: T.value, name: 'h', value: v.h, tip: tip.h}),
    text(748, bus + 18, D.terms[st.lang].hidden_state, {anchor: 'end', colour: H, size: T.label}));
  out.push(flow([[10, bus], [xo, bus]], peak(v.h_prev), 1, H), flow([[110, 462], [110, bus]], peak(v.x), 2, X));
  [xf, xi, xg, xo].forEach(gx => out.push(`<line x1="${gx}" y1="${bus}" x2="${gx}" y2="${bottom}" stroke="${P.FRAME}" stroke-width="1.5"/>`));
  lab.push(text(12, bus - 16, `hₜ₋₁ = ${vec(v.h_prev)}`, {size: T.number, anchor: 'start', colour: H, weight: 'bold', name: 'h_prev', value: v.h_prev, tip: eq.z}),
    text(130, 458, `xₜ = ${vec(v.x)}`, {size: T.number, anchor: 'start', colour: X, weight: 'bold', name: 'x', value: v.x, tip: eq.z}),
    text(xg + 40, bus + 22, '[hₜ₋₁, xₜ] → z = xₜ·W + hₜ₋₁·U + b', {size: T.note, colour: P.MUTED}));
  out.push(gateBox(xf, gy, 'f', v.f, v.zf, tip.f), gateBox(xi, gy, 'i', v.i, v.zi, tip.i), gateBox(xg, gy, 'g', v.g, v.zc, tip.g), gateBox(xo, gy, 'o', v.o, v.zo, tip.o));
  [[xf, belt, '×'], [xadd, belt, '+'], [xadd, ymul, '×'], [xt, yout, '×']].forEach(q => out.push(node(q[0], q[1], q[2])));
  return out.concat(lab, [tips(eq), '</svg>']).join('');
}
function equationsHtml(s, u, held) {
  const v = values(s, u), L = equations(v, held);
  return ['f', 'i', 'g', 'o', 'c', 'h'].map(k => {
    let t = esc(L[k]);
    if (k === 'c' || k === 'h') { const j = t.lastIndexOf(' = '); t = t.slice(0, j) + ' = <b>' + t.slice(j + 3) + '</b>'; }
    return `<div class="lstm-eq lstm-eq-${k}" style="border-left:4px solid ${P[k]};padding-left:6px">${t}</div>`;
  }).join('') + `<div class="lstm-eq-note"><small>${esc(D.terms[st.lang].hadamard_note)}</small></div>` +
    `<div class="lstm-narration" style="min-height:1.6em;font-style:italic">${esc(narrate(v).join(' · '))}</div>`;
}
function narrate(v) {                  // diagram.narrate: what the clearly shut or open gates do
  const out = [];
  [['f', 'forget'], ['i', 'input'], ['o', 'output']].forEach(([g, name]) => {
    if (v[g] < D.narrate.shut) out.push(D.terms[st.lang][`narrate_${name}_closed`]);
    else if (v[g] > D.narrate.open) out.push(D.terms[st.lang][`narrate_${name}_open`]);
  });
  return out.length ? out : [D.terms[st.lang].narrate_between.replace('{f}', num(v.f, 2)).replace('{i}', num(v.i, 2)).replace('{o}', num(v.o, 2))];
}
window.lstmLive.cellSvg = (s, u, lang, held) => { const keep = st.lang; st.lang = lang || keep; try { return cellSvg(s, u, '', held); } finally { st.lang = keep; } };
window.lstmLive.equationsHtml = (s, u, lang, held) => { const keep = st.lang; st.lang = lang || keep; try { return equationsHtml(s, u, held); } finally { st.lang = keep; } };
window.lstmLive.fmt = fmt;
window.lstmLive.num = num;

// ---- the sentence: tokenised as explainer/story/words.py tokenises ---------------------------------
function tokenise(textIn, lang) {
  const vocab = D.seq.vocab[lang], known = new Set(vocab), longest = Math.max(...vocab.map(w => w.length));
  const chunks = String(textIn).toLowerCase().split(/[^\p{L}\p{N}_\p{M}'-]+/u).filter(c => c.replace(/^['-]+|['-]+$/g, ''));
  const tokens = [], unknown = [];
  if (lang === 'en') {
    const w = chunks.map(c => c.replace(/^['-]+|['-]+$/g, ''));
    for (let k = 0; k < w.length;) {
      if (k + 1 < w.length && known.has(w[k] + ' ' + w[k + 1])) { tokens.push(w[k] + ' ' + w[k + 1]); k += 2; continue; }
      (known.has(w[k]) ? tokens : unknown).push(w[k]); k += 1;
    }
    return [tokens, unknown];
  }
  chunks.forEach(ch => {
    const c = Array.from(ch); let k = 0, pending = '';
    while (k < c.length) {
      let n = Math.min(longest, c.length - k);
      for (; n > 0; n--) if (known.has(c.slice(k, k + n).join(''))) break;
      if (n > 0) { if (pending) { unknown.push(pending); pending = ''; } tokens.push(c.slice(k, k + n).join('')); k += n; }
      else { pending += c[k]; k += 1; }
    }
    if (pending) unknown.push(pending);
  });
  return [tokens, unknown];
}
window.lstmLive.tokenise = tokenise;

// ---- the sequence shown: typed (story) or the exported one ----------------------------------------
function sequence() {
  if (!D.seq.vocab) return {labels: D.seq.labels[st.lang], xs: D.seq.x, unknown: []};
  const [tokens, unknown] = tokenise(st.text || D.seq.default[st.lang], st.lang);
  const index = new Map(D.seq.vocab[st.lang].map((w, k) => [w, k]));
  const xs = tokens.map(w => { const x = new Array(D.seq.vocab[st.lang].length).fill(0); x[index.get(w)] = 1; return x; });
  return {labels: tokens, xs: xs, unknown: unknown};
}
let cache = null;
function compute() {
  const seq = sequence(), key = JSON.stringify([seq.labels, st.iv]);
  if (cache && cache.key === key) return cache;
  const base = seq.xs.length ? run(D.model, seq.xs) : [];
  const ivs = st.iv.filter(q => q.t < seq.xs.length);
  const changed = ivs.length ? run(D.model, seq.xs, ivs) : null;
  const p = D.readout && base.length ? readout(D.readout, base[base.length - 1].h) : null;
  const p2 = D.readout && changed ? readout(D.readout, changed[changed.length - 1].h) : null;
  cache = {key, seq, base, changed, p, p2};
  return cache;
}

// ---- small charts: c and h of the unit over the steps, the readout's probabilities -----------------
function lineChart(field, r) {
  const W = 420, H = 150, L = 46, T = 14, n = r.base.length, all = r.base.map(s => s[field][st.u]).concat(r.changed ? r.changed.map(s => s[field][st.u]) : []);
  const lim = Math.max(1, Math.ceil(Math.max(...all.map(Math.abs)) * 2) / 2), y = v => T + (H - T - 24) * (lim - v) / (2 * lim), x = t => L + (W - L - 10) * (n > 1 ? t / (n - 1) : 0.5);
  const path = (steps) => steps.map((s, t) => `${t ? 'L' : 'M'}${x(t).toFixed(1)},${y(s[field][st.u]).toFixed(1)}`).join('');
  const col = P[field];
  let o = `<svg class="lstm-chart lstm-chart-${field}" viewBox="0 0 ${W} ${H}" width="100%" style="max-width:${W}px" font-family="${D.font}">` +
    `<line x1="${L}" x2="${W - 10}" y1="${y(0)}" y2="${y(0)}" stroke="${P.FRAME}"/>` +
    [lim, 0, -lim].map(v => `<text x="${L - 6}" y="${y(v) + 5}" font-size="16" text-anchor="end" fill="${P.MUTED}">${num(v, 1)}</text>`).join('') +
    `<line x1="${x(st.t)}" x2="${x(st.t)}" y1="${T}" y2="${H - 24}" stroke="${P.INK}" stroke-dasharray="3 3"/>` +
    `<path d="${path(r.base)}" fill="none" stroke="${col}" stroke-width="2.5"/>`;
  if (r.changed) o += `<path class="lstm-chart-changed" d="${path(r.changed)}" fill="none" stroke="${P.INK}" stroke-width="2" stroke-dasharray="6 4"/>`;
  o += `<text x="${L}" y="${H - 6}" font-size="16" fill="${col}" font-weight="bold">${field}${field === 'c' ? 'ₜ' : 'ₜ'} · ${esc(D.seq.unit_names[st.lang][st.u])}${r.changed ? ' — ' + esc(ui('original')) + ' / - - ' + esc(ui('what_if')) : ''}</text>`;
  return o + '</svg>';
}
function probsHtml(r) {
  if (!r.p) return '';
  const names = D.seq.colours[st.lang], best = (p) => names[p.indexOf(Math.max(...p))];
  const rows = names.map((nm, k) => `<tr><td>${esc(nm)}</td><td class="lstm-p" data-value="${r.p[k]}"><span class="lstm-bar" style="width:${(100 * r.p[k]).toFixed(1)}%"></span>${num(r.p[k])}</td>` +
    (r.p2 ? `<td class="lstm-p2" data-value="${r.p2[k]}"><span class="lstm-bar lstm-bar2" style="width:${(100 * r.p2[k]).toFixed(1)}%"></span>${num(r.p2[k])}</td>` : '') + '</tr>').join('');
  return `<div class="lstm-answer" id="lstm-answer">${esc(ui('answer'))}: <b data-answer="${esc(best(r.p))}">${esc(best(r.p))}</b>` +
    (r.p2 ? ` · ${esc(ui('what_if'))}: <b class="lstm-answer2" data-answer="${esc(best(r.p2))}">${esc(best(r.p2))}</b>` : '') + '</div>' +
    `<table class="lstm-probs"><tr><th></th><th>${esc(ui('original'))}</th>${r.p2 ? '<th>' + esc(ui('what_if')) + '</th>' : ''}</tr>${rows}</table>`;
}
function compareHtml(r) {
  if (!r.changed) return '';
  const a = r.base[st.t], b = r.changed[st.t];
  return `<table class="lstm-compare"><tr><th>${esc(ui('unit'))} ${esc(D.seq.unit_names[st.lang][st.u])}, t = ${st.t}</th>${FIELDS.map(f => `<th style="color:${P[f]}">${f}</th>`).join('')}</tr>` +
    `<tr><td>${esc(ui('original'))}</td>${FIELDS.map(f => `<td class="lstm-cmp-a-${f}" data-value="${a[f][st.u]}">${num(a[f][st.u])}</td>`).join('')}</tr>` +
    `<tr><td>${esc(ui('what_if'))}</td>${FIELDS.map(f => `<td class="lstm-cmp-b-${f}" data-value="${b[f][st.u]}">${num(b[f][st.u])}</td>`).join('')}</tr></table>`;
}

// ---- the fragment: the whole state in the link ------------------------------------------------------
const FRAG_MAX = 2000;
function toFragment() {
  const q = new URLSearchParams();
  q.set('tab', st.tab); q.set('lang', st.lang); q.set('t', st.t); q.set('u', st.u);
  if (st.text) q.set('s', st.text);
  if (st.iv.length) q.set('iv', st.iv.map(v => [v.t, v.u, v.f, v.v].join(':')).join(','));
  Object.keys(st.sl).forEach(k => q.set('cell.' + k, st.sl[k]));
  return '#' + q.toString();
}
let rejected = [];                    // what the last link held that was not understood: said on the page
function fromFragment(hash) {          // hostile input: every field checked, nothing ever reaches innerHTML
  const raw = String(hash || '');
  const q = new URLSearchParams(raw.slice(1, FRAG_MAX + 1));
  const shown = (v) => { v = String(v); return v.length > 24 ? v.slice(0, 24) + '…' : v; };
  const bad = (k) => rejected.push(shown(k) + '=' + shown(q.get(k)));
  const cells = Object.keys(D.cell.ranges).map(k => 'cell.' + k);
  const known = ['tab', 'lang', 's', 'u', 't', 'iv'].concat(cells);
  rejected = [];
  if (raw.length > FRAG_MAX + 1) rejected.push('… (' + (raw.length - 1) + ' > ' + FRAG_MAX + ')');
  [...new Set(q.keys())].filter(k => !known.includes(k)).slice(0, 5).forEach(bad);
  const int = (k, hi) => { if (!q.has(k)) return null; const v = Number(q.get(k)); if (q.get(k) !== '' && Number.isInteger(v) && v >= 0 && v <= hi) return v; bad(k); return null; };
  if (q.has('tab')) { if (['cell', 'sentence'].includes(q.get('tab'))) st.tab = q.get('tab'); else bad('tab'); }
  if (q.has('lang')) { if (D.langs.includes(q.get('lang'))) st.lang = q.get('lang'); else bad('lang'); }
  if (q.has('s')) { if (D.seq.vocab) st.text = q.get('s').slice(0, 400); if (!D.seq.vocab || q.get('s').length > 400) bad('s'); }
  const u = int('u', D.model.U.length - 1); if (u !== null) st.u = u;
  const t = int('t', 10000); if (t !== null) st.t = t;
  if (q.has('iv')) {
    const parts = q.get('iv').split(',');
    st.iv = parts.slice(0, 20).map(s => s.split(':')).filter(p => p.length === 4).map(p => ({t: Number(p[0]), u: Number(p[1]), f: p[2], v: Number(p[3])}))
      .filter(v => Number.isInteger(v.t) && v.t >= 0 && Number.isInteger(v.u) && v.u >= 0 && v.u < D.model.U.length && FIELDS.includes(v.f) && Number.isFinite(v.v) &&
        (v.f === 'c' ? Math.abs(v.v) <= 10 : inRange(v.f, v.v)));
    if (st.iv.length !== parts.length) bad('iv');
  }
  Object.keys(D.cell.ranges).forEach(k => {
    if (!q.has('cell.' + k)) return;
    const v = Number(q.get('cell.' + k)), r = D.cell.ranges[k];
    if (q.get('cell.' + k) !== '' && Number.isFinite(v)) st.sl[k] = Math.min(r[1], Math.max(r[0], v));
    if (q.get('cell.' + k) === '' || !(v >= r[0] && v <= r[1])) bad('cell.' + k);
  });
}
function showRejected() {              // as text: whatever the link held is shown, never run
  const note = $('lstm-link-note'), parts = rejected.join(', ');
  note.textContent = rejected.length ? ui('link_not_understood').replace('{parts}', () => parts) : '';
  note.hidden = !rejected.length;
}

// ---- drawing the page --------------------------------------------------------------------------------
function tipLine(el) { const e = el.closest('[data-eq]'); $('lstm-tip').textContent = e ? e.dataset.eq : ''; }
function showCell() {
  const sl = st.sl, z = [sl.zi, sl.zf, sl.zc, sl.zo], s = fromZ(z, [sl.c_prev]);
  s.x = [sl.x]; s.h_prev = [sl.h_prev]; s.c_prev = [sl.c_prev];
  $('lstm-cell-diagram').innerHTML = cellSvg(s, 0);
  $('lstm-cell-equations').innerHTML = equationsHtml(s, 0);
  Object.keys(sl).forEach(k => { $('lstm-sl-' + k).value = sl[k]; $('lstm-slv-' + k).textContent = num(sl[k], 2); });
}
function showSentence() {
  const r = compute(), n = r.base.length;
  st.t = Math.max(0, Math.min(n - 1, st.t));
  $('lstm-unknown').textContent = r.seq.unknown.length ? ui('unknown_words') + ': ' + r.seq.unknown.join(', ') : '';
  const words = $('lstm-words');
  if (words.dataset.key !== r.key) {   // the word buttons are rebuilt only when the sentence or the clamps change
    words.textContent = ''; words.dataset.key = r.key;
    r.seq.labels.forEach((w, t) => { const b = document.createElement('button'); b.type = 'button'; b.textContent = w; b.className = 'lstm-word' + (st.iv.some(q => q.t === t) ? ' lstm-word-iv' : ''); b.onclick = () => { pause(); go(t); }; words.appendChild(b); });
  }
  Array.from(words.children).forEach((b, t) => b.classList.toggle('lstm-word-now', t === st.t));
  if (!n) { $('lstm-seq-diagram').textContent = ui('no_tokens'); $('lstm-context').textContent = ''; $('lstm-seq-equations').textContent = ''; $('lstm-probs').textContent = ''; $('lstm-seq-charts').textContent = ''; showHeatmaps(r); return; }
  const steps = r.changed || r.base, label = r.seq.labels[st.t];
  const held = st.iv.filter(q => q.t === st.t && q.u === st.u).map(q => q.f);
  $('lstm-seq-diagram').innerHTML = cellSvg(steps[st.t], st.u, `t = ${st.t} · “${label}” · ${D.seq.unit_names[st.lang][st.u]}${r.changed ? ' · ' + ui('what_if') : ''}`, held);
  $('lstm-seq-equations').innerHTML = equationsHtml(steps[st.t], st.u, held);
  $('lstm-seq-charts').innerHTML = lineChart('c', r) + lineChart('h', r);
  showHeatmaps(r);
  setHtml('lstm-probs', probsHtml(r) + compareHtml(r));
  $('lstm-time').max = n - 1; $('lstm-time').value = st.t;
  $('lstm-step').textContent = `t = ${st.t} / ${n - 1} · ${label}`;
  $('lstm-iv-msg').textContent = noteText();
  const ivs = $('lstm-iv-list'); ivs.textContent = '';
  st.iv.forEach((q, k) => { const b = document.createElement('button'); b.type = 'button'; b.className = 'lstm-iv-item'; b.textContent = `✕ t=${q.t} (${r.seq.labels[q.t] || '—'}) · ${D.seq.unit_names[st.lang][q.u]} · ${q.f} = ${num(q.v)}`; b.onclick = () => { st.iv.splice(k, 1); draw(); }; ivs.appendChild(b); });
  $('lstm-context').textContent = (D.seq.vocab && r.p ? ui('story_context').replace('{sentence}', r.seq.labels.join(st.lang === 'en' ? ' ' : ''))
    .replace('{answer}', D.seq.colours[st.lang][r.p.indexOf(Math.max(...r.p))]) + (st.lang === 'en' ? ' ' : '') : '') + watchLine(r);
  $('lstm-context').hidden = !$('lstm-context').textContent;
}
function showHeatmaps(r) {            // the opening sequence's heatmaps (drawn by Python, as in the recorded page)
  const hm = D.heatmaps[st.lang], same = r.seq.labels.join('\u0001') === hm.labels.join('\u0001');
  setHtml('lstm-heatmaps', same ? hm.html : '');
  if (same) lstmHeatmapMark($('lstm-heatmaps'), st.t, st.u);
  $('lstm-hm-note').textContent = !same ? ui('heatmaps_opening') : r.changed ? ui('heatmaps_original') : '';
}
function watchLine(r) {                // views.watch_line, computed from this run: where the memory's forget gate closes
  const n = r.base.length, units = D.model.U.length;
  let u = D.seq.memory_unit;
  if (u === null || u === undefined) { let best = Infinity; for (let k = 0; k < units; k++) r.base.forEach(s => { if (s.f[k] < best) { best = s.f[k]; u = k; } }); }
  const f = r.base.map(s => s.f[u]), t = f.indexOf(Math.min(...f)), others = f.filter((_, k) => k !== t);
  if (!D.seq.vocab && f[t] >= D.narrate.shut) return '';   // a forget gate that never shuts: nothing to point at
  const lo = num(others.length ? Math.min(...others) : f[t], 2), hi = num(others.length ? Math.max(...others) : f[t], 2);
  return ui('watch_line').replace('{unit}', D.seq.unit_names[st.lang][u]).replace('{range}', lo === hi ? lo : lo + '–' + hi)
    .replace('{f}', num(f[t], 2)).replace('{word}', r.seq.labels[t]).replace('{t}', t)
    .replace('{c0}', num(r.base[t].c_prev[u], 2)).replace('{c1}', num(r.base[t].c[u], 2));
}
let labelled = null;
function relabel() {                   // the page's words, in its language: only when the language or tab changes
  labelled = st.lang + st.tab;
  document.documentElement.lang = st.lang;
  document.querySelectorAll('[data-ui]').forEach(e => { e.textContent = ui(e.dataset.ui); });
  document.querySelectorAll('[data-ui-ph]').forEach(e => { e.placeholder = ui(e.dataset.uiPh); });
  $('lstm-carries').textContent = ui('page_live').replace('{what}', D.carries);
  document.querySelectorAll('.lstm-tab').forEach(b => b.setAttribute('aria-pressed', b.dataset.tab === st.tab));
  document.querySelectorAll('.lstm-lang').forEach(b => b.setAttribute('aria-pressed', b.dataset.lang === st.lang));
  $('lstm-panel-cell').hidden = st.tab !== 'cell'; $('lstm-panel-sentence').hidden = st.tab !== 'sentence';
  const sel = $('lstm-unit'); sel.textContent = '';
  D.seq.unit_names[st.lang].forEach((nm, k) => { const o = document.createElement('option'); o.value = k; o.textContent = nm; sel.appendChild(o); });
  $('lstm-words').dataset.key = '';
}
const shownHtml = {};
function setHtml(id, html) {          // only what changed is replaced: an unchanged table costs no layout
  if (shownHtml[id] !== html) { $(id).innerHTML = html; shownHtml[id] = html; }
}
function draw() {
  if (labelled !== st.lang + st.tab) relabel();
  $('lstm-unit').value = st.u;
  const shown = st.text || (D.seq.vocab ? D.seq.default[st.lang] : '');
  if (D.seq.vocab && document.activeElement !== $('lstm-text') && $('lstm-text').value !== shown) $('lstm-text').value = shown;
  if (st.tab === 'cell') showCell(); else showSentence();
  showRejected();
  history.replaceState(null, '', toFragment());
}
window.lstmLive.draw = draw;
window.lstmLive.state = st;
window.lstmLive.fragment = toFragment;

function go(t) { st.t = Math.max(0, Math.min(compute().base.length - 1, t)); draw(); }
function pause() { if (st.timer) { clearInterval(st.timer); st.timer = null; } }
function step(k) { pause(); if (st.tab === 'sentence') go(st.t + k); }
function play() {
  if (st.timer) { pause(); return; }
  if (st.t >= compute().base.length - 1) st.t = 0;
  st.timer = setInterval(() => { if (st.t >= compute().base.length - 1) pause(); else go(st.t + 1); }, 900);
}
$('lstm-first').onclick = () => { pause(); go(0); };
$('lstm-last').onclick = () => { pause(); go(1e9); };
$('lstm-back').onclick = () => step(-1);
$('lstm-forward').onclick = () => step(1);
$('lstm-play').onclick = play;
$('lstm-time').oninput = (e) => { pause(); go(+e.target.value); };
$('lstm-unit').onchange = (e) => { st.u = +e.target.value; draw(); };
$('lstm-heatmaps').addEventListener('click', (e) => { const t = lstmHeatmapStep(e); if (t !== null) { pause(); go(t); } });
if (!D.seq.vocab) document.querySelector('.lstm-tab[data-tab=sentence]').dataset.ui = 'tab_sequence';
if (D.seq.vocab) $('lstm-text').oninput = (e) => {
  // a clamp names a step, not a word: on a new sentence it would silently hold a different word, so the
  // clamps go (and a line says so) whenever the words change; a space or a typo that tokenises the same keeps them
  const before = JSON.stringify(sequence().labels);
  st.text = e.target.value.slice(0, 400); cache = null;
  if (st.iv.length && JSON.stringify(sequence().labels) !== before) { st.iv = []; st.note = {k: 'clamps_cleared'}; }
  draw();
};
else $('lstm-text-row').hidden = true;
document.querySelectorAll('.lstm-tab').forEach(b => b.onclick = () => { st.tab = b.dataset.tab; draw(); });
document.querySelectorAll('.lstm-lang').forEach(b => b.onclick = () => {
  const [tokens] = tokenise(st.text || D.seq.default[st.lang], st.lang);   // the same sentence, spelled in the other language
  const idx = new Map(D.seq.vocab ? D.seq.vocab[st.lang].map((w, k) => [w, k]) : []);
  st.lang = b.dataset.lang;
  if (D.seq.vocab && st.text) st.text = tokens.map(w => D.seq.vocab[st.lang][idx.get(w)]).join(st.lang === 'en' ? ' ' : '');
  draw();
});
Object.keys(D.cell.ranges).forEach(k => { $('lstm-sl-' + k).oninput = (e) => { st.sl[k] = +e.target.value; draw(); }; });
$('lstm-iv-add').onclick = () => {
  const f = $('lstm-iv-field').value, raw = $('lstm-iv-value').value.trim(), v = Number(raw);
  // a value outside the field's range (a gate of 5) would give a state no LSTM can reach: say so, change nothing
  if (raw === '' || !inRange(f, v)) { st.note = {k: 'clamp_out_of_range', field: f, value: raw || '—'}; draw(); return; }
  st.note = null;
  st.iv = st.iv.filter(q => !(q.t === st.t && q.u === st.u && q.f === f)).concat([{t: st.t, u: st.u, f: f, v: v}]); draw();
};
$('lstm-iv-field').onchange = (e) => {   // the number box's arrows stay inside the field's range (c: none)
  const r = D.clamp_ranges[e.target.value], inp = $('lstm-iv-value');
  ['min', 'max'].forEach((a, k) => { if (r[k] === null) inp.removeAttribute(a); else inp[a] = r[k]; });
};
$('lstm-iv-clear').onclick = () => { st.iv = []; st.note = null; draw(); };
$('lstm-copy').onclick = () => {
  const url = location.href.split('#')[0] + toFragment();
  const done = () => { $('lstm-copied').textContent = ui('copied'); setTimeout(() => { $('lstm-copied').textContent = ''; }, 2500); };
  if (navigator.clipboard) navigator.clipboard.writeText(url).then(done, () => { $('lstm-copied').textContent = url; }); else $('lstm-copied').textContent = url;
};
document.addEventListener('click', (e) => { if (e.target.closest && e.target.closest('svg')) tipLine(e.target); });
document.addEventListener('keydown', (e) => {  // anywhere in the view: a clicker's PageDown/PageUp step even from a menu or a box
  if (e.altKey || e.ctrlKey || e.metaKey) return;
  const typing = ['INPUT', 'SELECT', 'TEXTAREA'].includes(e.target.tagName);
  if (typing && !['PageDown', 'PageUp'].includes(e.key)) return;   // there ← → Home End space edit or pick
  const keys = {' ': play, ArrowRight: () => step(1), ArrowLeft: () => step(-1), PageDown: () => step(1), PageUp: () => step(-1),
    Home: () => { pause(); go(0); }, End: () => { pause(); go(1e9); }};
  if (keys[e.key]) { e.preventDefault(); keys[e.key](); }
});
let touchX = null, touchY = null;   // swipe left / right over the drawing steps through the sentence
$('lstm-seq-diagram').addEventListener('touchstart', (e) => { touchX = e.changedTouches[0].clientX; touchY = e.changedTouches[0].clientY; }, {passive: true});
// a mostly sideways move is ours: cancelling it keeps the browser from reading it as history back / forward
// (browsers that ignore touch-action or overscroll-behavior); an upright move still scrolls the page
$('lstm-seq-diagram').addEventListener('touchmove', (e) => {
  if (touchX === null || e.touches.length !== 1) return;
  const dx = e.touches[0].clientX - touchX, dy = e.touches[0].clientY - touchY;
  if (Math.abs(dx) > Math.abs(dy) && e.cancelable) e.preventDefault();
}, {passive: false});
$('lstm-seq-diagram').addEventListener('touchend', (e) => { if (touchX === null) return; const dx = e.changedTouches[0].clientX - touchX; touchX = null; if (Math.abs(dx) > 40) step(dx < 0 ? 1 : -1); });
window.addEventListener('hashchange', () => { fromFragment(location.hash); cache = null; draw(); });
if ('ontouchstart' in window || matchMedia('(pointer: coarse)').matches) document.body.classList.add('lstm-touch');
fromFragment(location.hash);
draw();
})();
