//! ARM request economy: how many requests (by verb) and how much time apply, plan (with and
//! without refresh) and destroy take for N zones, endpoints, VNet links and outbound rules,
//! against N `terraform_data` in the same run (the floor: Terraform's own cost).
//!
//! Two entry points share the code:
//! - the tests below: the examples use no more requests of any verb than before this work, and a
//!   smoke run of every kind at a small N (counts printed, economy asserted loosely, no timing);
//! - the benchmark, `scripts/scale-bench [N…]`, which runs [`bench`] with `AML_SCALE_N` (and
//!   optionally `AML_SCALE_KINDS`) set and writes `docs/performance.md` (table and SVG plot).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::tf::emulator::{rg, ws_id, Emulator};
use crate::tf::{example, examples_dir, Workspace, HEAD};

/// ARM requests of one command: count by verb, and how many were answered 429.
#[derive(Clone, Debug, Default)]
struct Counts {
    by_verb: BTreeMap<String, u64>,
    throttled: u64,
}

impl Counts {
    fn verb(&self, v: &str) -> u64 {
        self.by_verb.get(v).copied().unwrap_or(0)
    }

    fn total(&self) -> u64 {
        self.by_verb.values().sum()
    }

    /// `GET 12 / PUT 3`, per resource when `per` is given.
    fn show(&self, per: Option<u64>) -> String {
        let mut parts = Vec::new();
        for (v, n) in &self.by_verb {
            match per {
                Some(p) if p > 0 => parts.push(format!("{v} {:.2}", *n as f64 / p as f64)),
                _ => parts.push(format!("{v} {n}")),
            }
        }
        if self.throttled > 0 {
            parts.push(format!("429: {}", self.throttled));
        }
        if parts.is_empty() {
            "none".into()
        } else {
            parts.join(" / ")
        }
    }
}

/// The ARM requests (paths under `/subscriptions`) logged since the last call, then clears the log.
fn take_counts(emu: &Emulator) -> Counts {
    let log = emu.admin("GET", "requests", None);
    emu.admin("DELETE", "requests", None);
    let mut c = Counts::default();
    for r in log["value"].as_array().into_iter().flatten() {
        let path = r["path"].as_str().unwrap_or("").to_ascii_lowercase();
        if !path.starts_with("/subscriptions/") {
            continue;
        }
        let verb = r["method"].as_str().unwrap_or("?").to_string();
        *c.by_verb.entry(verb).or_default() += 1;
        if r["status"].as_u64() == Some(429) {
            c.throttled += 1;
        }
    }
    c
}

/// Runs `terraform args` and measures it; its output comes third.
fn measured(emu: &Emulator, ws: &Workspace, args: &[&str]) -> (Duration, Counts, String) {
    take_counts(emu);
    let t = Instant::now();
    let out = ws.ok(args);
    (t.elapsed(), take_counts(emu), out)
}

// ---------------------------------------------------------------------------------------------
// The examples: no more requests than before.

/// Today's figures from the issue: (example, apply GET/PUT/PATCH ceilings, refresh GET ceiling).
const EXAMPLE_CEILINGS: &[(&str, [u64; 3], u64)] = &[
    ("private-link", [27, 6, 0], 8),
    ("inbound-access", [7, 0, 2], 3),
    ("managed-network", [54, 10, 1], 16),
];

#[test]
fn the_examples_use_no_more_requests_than_before() {
    for (name, [gets, puts, patches], refresh_gets) in EXAMPLE_CEILINGS {
        let emu = Emulator::start(&[]);
        let ws = Workspace::against(&emu, &example(name));
        ws.add_example_files(name);
        ws.init();
        let (_, apply, _) = measured(&emu, &ws, &["apply", "-auto-approve", "-no-color"]);
        let (_, refresh, _) = measured(&emu, &ws, &["plan", "-no-color"]);
        eprintln!(
            "examples/{name}: apply {}; refresh {}",
            apply.show(None),
            refresh.show(None)
        );
        for (verb, ceiling) in [("GET", gets), ("PUT", puts), ("PATCH", patches)] {
            assert!(
                apply.verb(verb) <= *ceiling,
                "examples/{name}: apply sent {} {verb}s, more than the {ceiling} before: {}",
                apply.verb(verb),
                apply.show(None)
            );
        }
        assert!(
            refresh.verb("GET") <= *refresh_gets,
            "examples/{name}: refresh sent {} GETs, more than the {refresh_gets} before",
            refresh.verb("GET")
        );
        assert_eq!(
            refresh.total(),
            refresh.verb("GET"),
            "examples/{name}: a refresh only reads: {}",
            refresh.show(None)
        );
        ws.ok(&["destroy", "-auto-approve", "-no-color"]);
    }
}

// ---------------------------------------------------------------------------------------------
// The scale runs.

/// A kind of resource whose count scales.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Zones,
    Endpoints,
    Links,
    Rules,
}

impl Kind {
    const ALL: [Kind; 4] = [Kind::Zones, Kind::Endpoints, Kind::Links, Kind::Rules];

    fn name(self) -> &'static str {
        match self {
            Kind::Zones => "zones",
            Kind::Endpoints => "endpoints",
            Kind::Links => "links",
            Kind::Rules => "rules",
        }
    }

    fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == s.trim())
    }

    /// The service's limit on N, where there is one in one parent (VNet links per zone: 1,000;
    /// outbound rules per workspace: the managed network's FQDN/user-rule budget, kept at 100 here
    /// as the emulator's firewall model does not bound it).
    fn limit(self) -> usize {
        match self {
            Kind::Links => 1000,
            Kind::Rules => 100,
            _ => usize::MAX,
        }
    }

    /// The configuration of `n` resources of this kind against the emulator's default world,
    /// and what must exist first (seeded through the admin API).
    fn config(self, emu: &Emulator, n: usize) -> String {
        let rg_name = "rg-aml-demo";
        let rg_id = rg(emu);
        let ws = ws_id(emu);
        let body = match self {
            Kind::Zones => format!(
                r#"resource "aml_private_dns_zone" "z" {{
  count               = {n}
  name                = "z${{count.index}}.bench.example"
  resource_group_name = "{rg_name}"
}}"#
            ),
            Kind::Endpoints => format!(
                r#"resource "aml_private_endpoint" "pe" {{
  count               = {n}
  name                = "pe-bench-${{count.index}}"
  resource_group_name = "{rg_name}"
  location            = "eastus"
  subnet_id           = "{rg_id}/providers/Microsoft.Network/virtualNetworks/vnet-aml/subnets/snet-pe"
  target_resource_id  = "{ws}"
}}"#
            ),
            Kind::Links => {
                for i in 0..n {
                    let vnet = format!(
                        "{rg_id}/providers/Microsoft.Network/virtualNetworks/vnet-bench-{i}"
                    );
                    emu.put_resource(
                        &vnet,
                        json!({
                            "id": vnet,
                            "name": format!("vnet-bench-{i}"),
                            "type": "Microsoft.Network/virtualNetworks",
                            "location": "eastus",
                            "properties": {
                                "provisioningState": "Succeeded",
                                "addressSpace": {"addressPrefixes": [format!("10.{}.{}.0/24", 100 + i / 250, i % 250)]},
                                "subnets": []
                            }
                        }),
                    );
                }
                format!(
                    r#"resource "aml_private_dns_zone" "links" {{
  name                = "links.bench.example"
  resource_group_name = "{rg_name}"
}}

resource "aml_private_dns_zone_virtual_network_link" "l" {{
  count               = {n}
  name                = "link-${{count.index}}"
  private_dns_zone_id = aml_private_dns_zone.links.id
  virtual_network_id  = "{rg_id}/providers/Microsoft.Network/virtualNetworks/vnet-bench-${{count.index}}"
}}"#
                )
            }
            Kind::Rules => format!(
                r#"resource "aml_workspace_managed_network" "mn" {{
  workspace_id   = "{ws}"
  isolation_mode = "AllowOnlyApprovedOutbound"
}}

resource "aml_managed_network_outbound_rule" "r" {{
  count        = {n}
  workspace_id = aml_workspace_managed_network.mn.workspace_id
  name         = "fqdn-${{count.index}}"
  fqdn {{
    destination = "host${{count.index}}.bench.example"
  }}
}}"#
            ),
        };
        format!("{HEAD}\nprovider \"aml\" {{}}\n\n{body}\n")
    }
}

/// The `terraform_data` floor: `n` of them.
fn floor_config(n: usize) -> String {
    format!("resource \"terraform_data\" \"d\" {{\n  count = {n}\n  input = count.index\n}}\n")
}

/// One command's measurement.
#[derive(Clone, Debug, Default)]
struct Phase {
    time: Duration,
    floor: Duration,
    counts: Counts,
}

/// One run: a kind at one N, with or without the rate limits.
#[derive(Clone, Debug)]
struct Run {
    kind: Kind,
    n: usize,
    limits: bool,
    phases: Vec<(&'static str, Phase)>,
}

const PHASES: [(&str, &[&str]); 4] = [
    ("apply", &["apply", "-auto-approve", "-no-color"]),
    ("plan", &["plan", "-no-color"]),
    (
        "plan -refresh=false",
        &["plan", "-refresh=false", "-no-color"],
    ),
    ("destroy", &["destroy", "-auto-approve", "-no-color"]),
];

/// Runs apply, plan, plan without refresh and destroy of `n` resources of `kind`, each followed
/// by the same command on `n` `terraform_data`.
fn run(kind: Kind, n: usize, limits: bool) -> Run {
    let lro = std::env::var("AML_SCALE_LRO_MS").unwrap_or_else(|_| "0".into());
    let mut args = vec!["--lro-delay-ms", lro.as_str(), "--log-capacity", "1000000"];
    if limits {
        args.push("--enforce-rate-limits");
    }
    let emu = Emulator::start(&args);
    let ws = Workspace::against(&emu, &kind.config(&emu, n));
    let floor = Workspace::new(&format!("{HEAD}\n{}", floor_config(n)));
    ws.init();
    floor.init();
    let mut phases = Vec::new();
    for (name, cmd) in PHASES {
        let (time, counts, out) = measured(&emu, &ws, cmd);
        // Shared reads must not change what a refresh finds: after the apply, nothing to do.
        assert!(
            !name.starts_with("plan") || out.contains("No changes."),
            "{} n={n}: {name} found changes after the apply:\n{out}",
            kind.name()
        );
        let t = Instant::now();
        floor.ok(cmd);
        let floor_time = t.elapsed();
        eprintln!(
            "{} n={n} limits={limits} {name}: {:.1}s (floor {:.1}s), per resource {}",
            kind.name(),
            time.as_secs_f64(),
            floor_time.as_secs_f64(),
            counts.show(Some(n as u64))
        );
        phases.push((
            name,
            Phase {
                time,
                floor: floor_time,
                counts,
            },
        ));
    }
    Run {
        kind,
        n,
        limits,
        phases,
    }
}

/// The smoke run of every kind at a small N: everything applies, plans and destroys; a refresh
/// costs fewer reads than one per resource (they share a list) and a create no more than three
/// reads (before: 5.4).
#[test]
fn every_kind_at_a_small_n() {
    let n = 6;
    for kind in Kind::ALL {
        let r = run(kind, n, false);
        let phase = |name: &str| &r.phases.iter().find(|(p, _)| *p == name).unwrap().1;
        let refresh = &phase("plan").counts;
        assert!(
            refresh.verb("GET") < n as u64 + 2,
            "{}: a refresh of {n} read {}",
            kind.name(),
            refresh.show(None)
        );
        let apply = &phase("apply").counts;
        let creates = apply.verb("PUT") as f64;
        assert!(creates >= n as f64, "{}: {}", kind.name(), apply.show(None));
        if kind != Kind::Rules {
            assert!(
                (apply.verb("GET") as f64) <= 3.0 * creates,
                "{}: apply read {} for {creates} creates",
                kind.name(),
                apply.show(None)
            );
        }
        for plan in ["plan", "plan -refresh=false"] {
            let c = &phase(plan).counts;
            assert_eq!(
                c.total(),
                c.verb("GET"),
                "{}: {plan} only reads: {}",
                kind.name(),
                c.show(None)
            );
        }
    }
}

/// The benchmark: `AML_SCALE_N` (e.g. `10,100,1000`) for every kind in `AML_SCALE_KINDS`
/// (default all), with and without the rate limits (`AML_SCALE_LIMITS=on|off|both`, default
/// both); prints the table and writes `docs/performance.md`. Without `AML_SCALE_N` it is the
/// smallest run (N = 2 zones, with the limits) and writes nothing, so that it runs in CI too.
#[test]
fn bench() {
    let ns: Vec<usize> = std::env::var("AML_SCALE_N")
        .ok()
        .map(|s| {
            s.split([',', ' '])
                .filter(|x| !x.is_empty())
                .map(|x| x.replace('_', "").parse().expect("AML_SCALE_N: numbers"))
                .collect()
        })
        .unwrap_or_default();
    let write_doc = !ns.is_empty();
    let ns = if ns.is_empty() { vec![2] } else { ns };
    let kinds: Vec<Kind> = match std::env::var("AML_SCALE_KINDS") {
        Ok(s) if write_doc => s.split(',').filter_map(Kind::parse).collect(),
        _ if write_doc => Kind::ALL.to_vec(),
        _ => vec![Kind::Zones],
    };
    let limits: Vec<bool> = match std::env::var("AML_SCALE_LIMITS").as_deref() {
        Ok("on") => vec![true],
        Ok("off") => vec![false],
        _ if write_doc => vec![false, true],
        _ => vec![true],
    };
    // Kinds measured beyond N = 100 (all unless `AML_SCALE_LARGE_KINDS` names some).
    let large: Vec<Kind> = match std::env::var("AML_SCALE_LARGE_KINDS") {
        Ok(s) => s.split(',').filter_map(Kind::parse).collect(),
        Err(_) => Kind::ALL.to_vec(),
    };
    let mut runs = Vec::new();
    for kind in &kinds {
        for &n in &ns {
            if n > kind.limit() {
                eprintln!("{}: N = {n} is beyond the service's limit", kind.name());
                continue;
            }
            if n > 100 && !large.contains(kind) {
                eprintln!("{}: N = {n} left out (AML_SCALE_LARGE_KINDS)", kind.name());
                continue;
            }
            for &l in &limits {
                runs.push(run(*kind, n, l));
            }
        }
    }
    let table = table(&runs);
    eprintln!("{table}");
    if write_doc {
        let docs = examples_dir().parent().unwrap().join("docs");
        std::fs::write(docs.join("performance.svg"), plot(&runs)).unwrap();
        let path = docs.join("performance.md");
        std::fs::write(&path, document(&table)).unwrap();
        eprintln!("wrote {}", path.display());
    }
}

fn table(runs: &[Run]) -> String {
    let mut t = String::from(
        "| kind | N | rate limits | command | time (s) | terraform_data (s) | ratio | ARM requests per resource | 429 |\n\
         |---|---:|---|---|---:|---:|---:|---|---:|\n",
    );
    for r in runs {
        for (name, p) in &r.phases {
            let ratio = p.time.as_secs_f64() / p.floor.as_secs_f64().max(0.001);
            let _ = writeln!(
                t,
                "| {} | {} | {} | {name} | {:.1} | {:.1} | {ratio:.1} | {} | {} |",
                r.kind.name(),
                r.n,
                if r.limits { "on" } else { "off" },
                p.time.as_secs_f64(),
                p.floor.as_secs_f64(),
                Counts {
                    throttled: 0,
                    ..p.counts.clone()
                }
                .show(Some(r.n as u64)),
                p.counts.throttled
            );
        }
    }
    t
}

/// `docs/performance.md`: how to run, the table, and the plot.
fn document(table: &str) -> String {
    format!(
        "# Performance at scale\n\n\
         Generated by `scripts/scale-bench [N…]` (see that script for the options). Each row is one \
         `terraform` command against the ARM emulator (`--lro-delay-ms 0`, with or without \
         `--enforce-rate-limits`, which models ARM's throttling buckets: reads 250 refilled 25/s, \
         writes and deletes 200 refilled 10/s), next to the same command on as many \
         `terraform_data` resources (Terraform's own cost). Requests are ARM requests as the \
         emulator logged them, per resource, by verb; `429` counts the answers that were throttled.\n\n\
         Times depend on the machine and its load; the request counts do not.\n\n\
         Before this work (issue 13, 1,000 zones, `--enforce-rate-limits`): plan with refresh \
         1,291 GETs (31.5 s against 1.8 s without refresh); apply 1,000 PUTs and 5,432 GETs \
         (5.4 reads per zone, 152 s); destroy 1,642 DELETEs (642 repeated after 429) and 2,332 \
         GETs (119 s).\n\n\
         ![time against N](performance.svg)\n\n{table}\n"
    )
}

/// An SVG plot of apply time against N (log scale), one line per kind and rate-limit setting,
/// and the `terraform_data` floor.
fn plot(runs: &[Run]) -> String {
    let (w, h, m) = (720.0, 420.0, 60.0);
    let mut series: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    for r in runs {
        for (name, p) in &r.phases {
            if *name != "apply" {
                continue;
            }
            let label = format!(
                "{} apply{}",
                r.kind.name(),
                if r.limits { ", rate limits" } else { "" }
            );
            series
                .entry(label)
                .or_default()
                .push((r.n as f64, p.time.as_secs_f64()));
            series
                .entry("terraform_data apply".into())
                .or_default()
                .push((r.n as f64, p.floor.as_secs_f64()));
        }
    }
    let xs: Vec<f64> = series.values().flatten().map(|p| p.0).collect();
    let ys: Vec<f64> = series.values().flatten().map(|p| p.1).collect();
    let (xmin, xmax) = (
        xs.iter().cloned().fold(f64::MAX, f64::min).max(1.0).log10(),
        xs.iter().cloned().fold(1.0, f64::max).log10(),
    );
    let ymax = ys.iter().cloned().fold(1.0, f64::max);
    let px = |x: f64| m + (x.max(1.0).log10() - xmin) / (xmax - xmin).max(0.001) * (w - 2.0 * m);
    let py = |y: f64| h - m - y / ymax * (h - 2.0 * m);
    let colours = [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
        "#bcbd22", "#17becf",
    ];
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <line x1=\"{m}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"black\"/>\n\
         <line x1=\"{m}\" y1=\"{m}\" x2=\"{m}\" y2=\"{}\" stroke=\"black\"/>\n\
         <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">N (log scale)</text>\n\
         <text x=\"15\" y=\"{}\" transform=\"rotate(-90 15 {})\" text-anchor=\"middle\">apply wall time (s)</text>\n\
         <text x=\"{m}\" y=\"{}\">{ymax:.0} s</text>\n",
        h - m,
        w - m,
        h - m,
        h - m,
        w / 2.0,
        h - 15.0,
        h / 2.0,
        h / 2.0,
        m - 8.0
    );
    let mut ticks: Vec<f64> = xs.clone();
    ticks.sort_by(f64::total_cmp);
    ticks.dedup();
    for x in ticks {
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{x}</text>",
            px(x),
            h - m + 16.0
        );
    }
    for (i, (label, mut pts)) in series.into_iter().enumerate() {
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        pts.dedup_by(|a, b| a.0 == b.0);
        let c = colours[i % colours.len()];
        let path: Vec<String> = pts
            .iter()
            .map(|(x, y)| format!("{:.1},{:.1}", px(*x), py(*y)))
            .collect();
        let _ = writeln!(
            s,
            "<polyline fill=\"none\" stroke=\"{c}\" stroke-width=\"2\" points=\"{}\"/>",
            path.join(" ")
        );
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{}\" fill=\"{c}\">{label}</text>",
            m + 10.0,
            m + 14.0 * i as f64
        );
    }
    s.push_str("</svg>\n");
    s
}
