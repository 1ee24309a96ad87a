#!/usr/bin/env python3
"""Cross-checks the expectations of the PromQL eval scripts against Prometheus 2.42's own
engine, through `promtool test rules` (Debian bookworm's prometheus 2.42.0 package, which
`scripts/install-deps.sh --test` installs).

    python3 scripts/promql-oracle.py Tests/QueryTests/testdata/eval/*.test

Each script's data becomes a promtool test group and each eval a `promql_expr_test`;
Prometheus's answer is compared with the script's expectation (relative 1e-9, NaN equal
to NaN) and every difference printed. Range evals are checked as one instant eval per
step (at most 500 steps). Skipped: evals after an `engine` option, expectations of string
or range-vector type, and queries using start()/end(). For eval_fail, the error text is
checked when the script gives one (series order, which promtool randomises, can differ
inside a message). Set DEBUG=1 to see the generated YAML and promtool's output.
"""
import math, re, subprocess, sys, os, tempfile
from fractions import Fraction

UNITS = [("ms", 1), ("y", 365*86400000), ("w", 7*86400000), ("d", 86400000), ("h", 3600000), ("m", 60000), ("s", 1000)]

def duration(text):
    try:
        return int(round(float(text) * 1000))
    except ValueError:
        pass
    neg = text.startswith("-")
    if neg: text = text[1:]
    total = 0
    for m in re.finditer(r"(\d+)(ms|y|w|d|h|m|s)", text):
        total += int(m.group(1)) * dict(UNITS)[m.group(2)]
    return -total if neg else total

def go_duration(ms):
    if ms % 1000 == 0:
        return "%ds" % (ms // 1000)
    return "%dms" % ms

def number(tok):
    if tok == "NaN": return float("nan")
    if tok in ("Inf", "+Inf"): return float("inf")
    if tok == "-Inf": return float("-inf")
    if not tok or not (tok[0].isdigit() or tok[0] in "+-."): return None
    try: return float(tok)
    except ValueError: return None

STALE = "stale"

def values(text):
    out = []
    for tok in text.split():
        if tok == "_": out.append(None)
        elif tok.startswith("_x"): out += [None] * int(tok[2:])
        elif tok == "stale": out.append(STALE)
        elif number(tok) is not None: out.append(number(tok))
        else:
            x = tok.rindex("x"); count = int(tok[x+1:]); head = tok[:x]
            start, delta = head, 0.0
            for j in range(len(head) - 1, 0, -1):
                if head[j] in "+-":
                    if head[j-1] in "eE": continue
                    inc = number(head[j+1:])
                    if inc is None: break
                    start = head[:j]; delta = -inc if head[j] == "-" else inc
                    break
            v = number(start)
            for _ in range(count + 1):
                out.append(v); v += delta
    return out

def parse_labels(text):
    i = 0; name = ""
    while i < len(text) and text[i] not in "{ ": name += text[i]; i += 1
    pairs = {}
    if name: pairs["__name__"] = name
    if i < len(text) and text[i] == "{":
        i += 1
        while True:
            while text[i] in " ,": i += 1
            if text[i] == "}": i += 1; break
            ln = ""
            while text[i] not in "= ": ln += text[i]; i += 1
            while text[i] == " ": i += 1
            assert text[i:i+2] == '="', text
            i += 2; v = ""
            while text[i] != '"':
                if text[i] == "\\": i += 1; v += "\n" if text[i] == "n" else text[i]
                else: v += text[i]
                i += 1
            i += 1; pairs[ln] = v
    return pairs, text[i:].strip()

def labels_key(d):
    return tuple(sorted(d.items()))

def fmt_labels(d):
    inner = ", ".join('%s="%s"' % (k, v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")) for k, v in sorted(d.items()) if k != "__name__")
    return d.get("__name__", "") + "{" + inner + "}"

def parse_script(path):
    lines = open(path).read().split("\n")
    cmds = []; i = 0
    def block():
        nonlocal i
        out = []
        while i < len(lines):
            l = lines[i]; t = l.strip()
            if not t: break
            if t.startswith("#"): i += 1; continue
            if l[0] not in " \t": break
            out.append((i + 1, t)); i += 1
        return out
    while i < len(lines):
        ln = i + 1; t = lines[i].strip(); i += 1
        if not t or t.startswith("#"): continue
        w = t.split(" ", 1)
        if w[0] == "load":
            series = []
            for n, text in block():
                lab, rest = parse_labels(text); series.append((lab, values(rest)))
            cmds.append(("load", duration(w[1]), series))
        elif w[0] == "clear": cmds.append(("clear",))
        elif w[0] == "engine": cmds.append(("engine", t))
        elif w[0] in ("eval", "eval_ordered", "eval_fail"):
            head = w[1].split()
            if head[0] == "instant":
                q = w[1].split(None, 3)[3]; kind = ("instant", duration(head[2]))
            else:
                q = w[1].split(None, 7)[7]; kind = ("range", duration(head[2]), duration(head[4]), duration(head[6]))
            exp = []; fail = None
            for n, text in block():
                if w[0] == "eval_fail":
                    fail = text[4:].strip(); continue
                if text.startswith('"'): exp.append(("string", text)); continue
                if number(text) is not None: exp.append(("scalar", number(text))); continue
                lab, rest = parse_labels(text)
                if "@" in rest: exp.append(("points", lab, rest)); continue
                exp.append(("series", lab, values(rest)))
            cmds.append(("eval", ln, q, kind, w[0], exp, fail))
    return cmds

def go_quote_unescape(s):
    return bytes(s, "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")

def parse_got(text):
    """`{a="b", c="d"} 1E+00, {...} NaN` -> list of (labels dict, value)."""
    out = []; i = 0
    while i < len(text):
        while i < len(text) and text[i] in " ,": i += 1
        if i >= len(text): break
        assert text[i] == "{", text[i:]
        i += 1; lab = {}
        while text[i] != "}":
            while text[i] in " ,": i += 1
            if text[i] == "}": break
            j = text.index("=", i); name = text[i:j]; i = j + 2; v = ""
            while text[i] != '"':
                if text[i] == "\\": v += text[i:i+2]; i += 2
                else: v += text[i]; i += 1
            i += 1; lab[name] = go_quote_unescape(v)
        i += 1
        while text[i] == " ": i += 1
        j = i
        while j < len(text) and text[j] != ",": j += 1
        out.append((lab, float(text[i:j].replace("+Inf", "inf").replace("-Inf", "-inf")))); i = j
    return out

def equal(a, b):
    if math.isnan(a) or math.isnan(b): return math.isnan(a) and math.isnan(b)
    if a == b: return True
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b))

def yaml_str(s):
    return "'" + s.replace("'", "''") + "'"

def main(path):
    cmds = parse_script(path)
    segments = []  # (loads, evals)
    loads = []; evals = []; skip_engine = False
    for c in cmds:
        if c[0] == "clear":
            segments.append((loads, evals)); loads = []; evals = []
        elif c[0] == "load": loads.append(c)
        elif c[0] == "engine": skip_engine = "reset" not in c[1]
        elif c[0] == "eval":
            if not skip_engine: evals.append(c)
    segments.append((loads, evals))
    problems = 0; checked = 0
    for loads, evals in segments:
        if not evals: continue
        intervals = [l[1] for l in loads] or [60000]
        base = intervals[0]
        for iv in intervals[1:]: base = math.gcd(base, iv)
        series = {}
        order = []
        for _, iv, ss in loads:
            for lab, vals in ss:
                key = labels_key(lab)
                if key not in series: series[key] = {}; order.append((key, lab))
                for idx, v in enumerate(vals):
                    if v is None: continue
                    series[key][idx * iv // base] = v
        tests = []  # (id, expr, time_ms, eval, step index)
        for ev in evals:
            _, ln, q, kind, verb, exp, fail = ev
            if "start()" in q or "end()" in q: continue
            if any(e[0] in ("string", "points") for e in exp): continue
            if kind[0] == "instant": times = [kind[1]]
            elif fail or kind[3] <= 0 or (kind[2] - kind[1]) // kind[3] > 500: continue
            else:
                if fail: continue
                times = list(range(kind[1], kind[2] + 1, kind[3]))
            for si, t in enumerate(times):
                if t < 0: continue
                tests.append((len(tests), q, t, ev, si))
        if not tests: continue
        y = ["rule_files: []", "evaluation_interval: 1m", "tests:", "  - interval: %s" % go_duration(base), "    input_series:"]
        for key, lab in order:
            pts = series[key]; n = max(pts) + 1 if pts else 0
            vals = []
            for k in range(n):
                v = pts.get(k)
                if v is None: vals.append("_")
                elif v == STALE: vals.append("stale")
                elif math.isnan(v): vals.append("NaN")
                elif math.isinf(v): vals.append("Inf" if v > 0 else "-Inf")
                else: vals.append(repr(v))
            y.append("      - series: %s" % yaml_str(fmt_labels(lab)))
            y.append("        values: %s" % yaml_str(" ".join(vals)))
        y.append("    promql_expr_test:")
        # promtool loads samples only up to the last evaluation-interval tick before the
        # largest eval_time: a late dummy test makes all of them visible.
        last = max((max(pts) for pts in series.values() if pts), default=0) * base
        y.append("      - expr: 'vector(0)'")
        y.append("        eval_time: %s" % go_duration(last + 120000))
        for tid, q, t, ev, si in tests:
            y.append("      - expr: %s" % yaml_str(q))
            y.append("        eval_time: %s" % go_duration(t))
        fd, yp = tempfile.mkstemp(suffix=".yml"); os.write(fd, "\n".join(y).encode()); os.close(fd)
        out = subprocess.run(["promtool", "test", "rules", yp], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout
        if os.environ.get("DEBUG"): print(open(yp).read()); print(out)
        os.unlink(yp)
        # Results per (expr, time) in order of the tests.
        results = {}
        blocks = re.split(r"\n    expr: ", "\n" + out.split("FAILED:", 1)[-1]) if "FAILED:" in out else []
        for b in blocks[1:]:
            m = re.match(r'"((?:[^"\\]|\\.)*)", time: ([^,]+),(.*)', b, re.S)
            if not m: continue
            q = go_quote_unescape(m.group(1)); t = m.group(2); rest = m.group(3)
            if rest.startswith(" err: "):
                res = ("err", rest[6:].strip())
            else:
                g = re.search(r"got: (.*)", rest)
                got = g.group(1).strip() if g else "nil"
                res = ("ok", [] if got == "nil" else parse_got(got))
            results.setdefault((q, t), []).append(res)
        seen = {}
        for tid, q, t, ev, si in tests:
            key = (q, go_duration(t).replace("ms", "ms"))
            # promtool prints times as model.Duration strings.
            tkey = None
            for (rq, rt) in results:
                if rq == q and duration(rt) == t: tkey = (rq, rt); break
            idx = seen.get((q, t), 0); seen[(q, t)] = idx + 1
            res = results[tkey][idx] if tkey and idx < len(results[tkey]) else ("ok", [])
            _, ln, _, kind, verb, exp, fail = ev
            checked += 1
            where = "%s:%d %s @%s" % (os.path.basename(path), ln, q, go_duration(t))
            if verb == "eval_fail":
                if res[0] != "err":
                    print("FAIL-EXPECTED", where, "prometheus gave", res[1]); problems += 1
                elif fail and ":" in fail and fail.split(":", 1)[1].strip() not in res[1]:
                    print("ERRTEXT", where, "prometheus:", res[1]); problems += 1
                continue
            if res[0] == "err":
                print("ERROR", where, "prometheus:", res[1]); problems += 1; continue
            got = res[1]
            want = []
            for e in exp:
                if e[0] == "scalar": want.append(({}, e[1]))
                elif e[0] == "series":
                    vals = e[2]
                    v = vals[si] if si < len(vals) else None
                    if v is not None: want.append((e[1], v))
            gk = {labels_key(l): v for l, v in got}
            wk = {labels_key(l): v for l, v in want}
            ok = len(gk) == len(got) and set(gk) == set(wk) and all(equal(gk[k], wk[k]) for k in gk)
            if not ok:
                problems += 1
                print("MISMATCH", where)
                print("   expected:", sorted(("%s %r" % (fmt_labels(dict(k)), v)) for k, v in wk.items()))
                print("   prometheus:", sorted(("%s %r" % (fmt_labels(dict(k)), v)) for k, v in gk.items()))
    print("%s: %d checks, %d problems" % (os.path.basename(path), checked, problems))

if __name__ == "__main__":
  for p in sys.argv[1:]:
    main(p)
