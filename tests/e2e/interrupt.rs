//! Nothing Azure accepted is lost from the state: `terraform apply` of the private-link example
//! is interrupted (SIGINT, as Ctrl-C sends) at several points while its creates' operations run,
//! and a create whose operation fails or never ends is stopped. Afterwards an auditor compares
//! the objects the emulator holds with the IDs in Terraform's state (every object must be there,
//! tainted where incomplete); then a plain `apply` converges (no "already exists — import it")
//! and `destroy` leaves nothing behind (one run destroys straight after the interrupt).
//!
//! Each interrupt point has its own emulator and working directory and they run in parallel, so
//! the whole module stays well under 90 s. `MEASURE` lines report runs and orphans.

use std::collections::BTreeSet;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::tf::emulator::Emulator;
use crate::tf::{example, has, text, Workspace};

/// How long each async operation of the emulator runs: long enough to interrupt it.
const LRO_MS: u64 = 1000;

/// The types the private-link example manages (record sets and endpoint connections are written
/// by Azure, not by Terraform).
const MANAGED_TYPES: [&str; 4] = [
    "privatednszones",
    "virtualnetworklinks",
    "privateendpoints",
    "privatednszonegroups",
];

fn is_managed(id: &str) -> bool {
    let segs: Vec<&str> = id.split('/').collect();
    segs.len() >= 2 && MANAGED_TYPES.contains(&segs[segs.len() - 2].to_ascii_lowercase().as_str())
}

/// Every object the emulator holds (created ones still hidden by their operation included),
/// lower-cased.
fn emulator_ids(emu: &Emulator) -> BTreeSet<String> {
    emu.resource_ids()
        .iter()
        .map(|id| id.to_ascii_lowercase())
        .collect()
}

/// The managed objects the emulator holds that were not in its world before the test.
fn arm_objects(emu: &Emulator, baseline: &BTreeSet<String>) -> BTreeSet<String> {
    emulator_ids(emu)
        .into_iter()
        .filter(|id| is_managed(id) && !baseline.contains(id))
        .collect()
}

/// The `id` of every resource in Terraform's state, lower-cased, and the addresses of the tainted
/// ones.
fn state_ids(ws: &Workspace) -> (BTreeSet<String>, Vec<String>) {
    let out = ws.ok(&["show", "-json", "-no-color"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    let mut ids = BTreeSet::new();
    let mut tainted = Vec::new();
    let resources = v["values"]["root_module"]["resources"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for r in resources {
        if r["mode"] != "managed" {
            continue;
        }
        if let Some(id) = r["values"]["id"].as_str() {
            ids.insert(id.to_ascii_lowercase());
        }
        if r["tainted"] == true {
            tainted.push(r["address"].as_str().unwrap_or_default().to_string());
        }
    }
    (ids, tainted)
}

/// ARM writes (PUT) that the emulator accepted so far.
fn accepted_puts(emu: &Emulator) -> usize {
    let log = emu.admin("GET", "requests?limit=100000", None);
    log["value"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .filter(|e| e["method"] == "PUT")
                .filter(|e| {
                    e["status"]
                        .as_u64()
                        .is_some_and(|s| (200..300).contains(&s))
                })
                .count()
        })
        .unwrap_or(0)
}

/// Sends SIGINT to a process, as Ctrl-C in a terminal does.
fn sigint(pid: u32) {
    let status = Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -INT {pid}");
}

/// What one interrupted apply left, and whether the next apply and destroy cleaned up.
struct Run {
    point: String,
    /// The apply had finished before the signal (the point came too late).
    finished_first: bool,
    /// Managed objects the emulator held after the interrupt.
    arm: usize,
    /// Of those, the ones missing from Terraform's state.
    orphans: Vec<String>,
    tainted: Vec<String>,
    /// From the signal to Terraform's exit.
    exit_after: Duration,
    /// What went wrong afterwards (apply, plan, destroy), if anything.
    problems: Vec<String>,
}

/// Runs `terraform <args>`; its output, or the failure as a problem.
fn step(ws: &Workspace, args: &[&str]) -> Result<String, String> {
    let out = ws.run(args);
    let t = text(&out);
    if out.status.success() {
        Ok(t)
    } else {
        Err(format!("terraform {} failed:\n{t}", args.join(" ")))
    }
}

/// Starts `terraform apply` of `config` against `emu`, waits until `after_puts` writes were
/// accepted and then `extra` more, sends SIGINT and audits the state against the emulator.
fn interrupt(
    emu: &Emulator,
    ws: &Workspace,
    baseline: &BTreeSet<String>,
    after_puts: usize,
    extra: Duration,
) -> Run {
    let mut child = ws.spawn(&["apply", "-auto-approve", "-no-color"]);
    let started = Instant::now();
    while child.try_wait().expect("poll terraform").is_none()
        && accepted_puts(emu) < after_puts
        && started.elapsed() < Duration::from_secs(60)
    {
        std::thread::sleep(Duration::from_millis(25));
    }
    std::thread::sleep(extra);
    let finished_first = child.try_wait().expect("poll terraform").is_some();
    if !finished_first {
        sigint(child.id());
    }
    let signalled = Instant::now();
    let out = child.wait_with_output().expect("wait for terraform");
    let exit_after = signalled.elapsed();
    let arm = arm_objects(emu, baseline);
    let (state, tainted) = state_ids(ws);
    let orphans = arm.difference(&state).cloned().collect();
    let mut problems = Vec::new();
    if !finished_first && out.status.success() {
        problems.push(format!(
            "the interrupted apply reported success:\n{}",
            text(&out)
        ));
    }
    Run {
        point: format!(
            "after {after_puts} accepted PUTs + {} ms",
            extra.as_millis()
        ),
        finished_first,
        arm: arm.len(),
        orphans,
        tainted,
        exit_after,
        problems,
    }
}

/// After an interrupt: the operations finish, a plain apply converges without "already exists",
/// a second plan is empty, and destroy leaves none of the managed objects.
fn converge_and_destroy(
    emu: &Emulator,
    ws: &Workspace,
    baseline: &BTreeSet<String>,
) -> Vec<String> {
    std::thread::sleep(Duration::from_millis(LRO_MS + 500));
    let mut problems = Vec::new();
    match step(ws, &["apply", "-auto-approve", "-no-color"]) {
        Ok(out) => {
            if has(&out, "already exists") {
                problems.push(format!("apply met an object it had lost:\n{out}"));
            }
        }
        Err(e) => problems.push(e),
    }
    let plan = ws.run(&["plan", "-detailed-exitcode", "-no-color"]);
    if plan.status.code() != Some(0) {
        problems.push(format!(
            "the plan after apply is not empty:\n{}",
            text(&plan)
        ));
    }
    if let Err(e) = step(ws, &["destroy", "-auto-approve", "-no-color"]) {
        problems.push(e);
    }
    let left = arm_objects(emu, baseline);
    if !left.is_empty() {
        problems.push(format!("destroy left {left:?}"));
    }
    problems
}

/// Destroy right after an interrupt, once the operations finished: nothing is left.
fn destroy_now(emu: &Emulator, ws: &Workspace, baseline: &BTreeSet<String>) -> Vec<String> {
    std::thread::sleep(Duration::from_millis(LRO_MS + 500));
    let mut problems = Vec::new();
    if let Err(e) = step(ws, &["destroy", "-auto-approve", "-no-color"]) {
        problems.push(e);
    }
    let left = arm_objects(emu, baseline);
    if !left.is_empty() {
        problems.push(format!("destroy after the interrupt left {left:?}"));
    }
    problems
}

/// A fresh emulator whose operations take [`LRO_MS`], extra arguments appended.
fn emulator(extra: &[&str]) -> Emulator {
    let lro = LRO_MS.to_string();
    let mut args = vec!["--lro-delay-ms", lro.as_str()];
    args.extend_from_slice(extra);
    Emulator::start(&args)
}

fn workspace(emu: &Emulator, config: &str) -> (Workspace, BTreeSet<String>) {
    let ws = Workspace::against(emu, config);
    ws.init();
    (ws, emulator_ids(emu))
}

#[test]
fn sigint_during_apply_leaves_no_orphans_and_the_next_apply_converges() {
    // The example creates six objects: both zones and the endpoint first, then the two VNet links,
    // then the zone group. Each point interrupts a create while its operation runs (operations
    // take 1 s), one interrupts before any write.
    let points: [(usize, u64); 8] = [
        (0, 700),
        (1, 100),
        (2, 400),
        (3, 200),
        (4, 100),
        (5, 500),
        (6, 100),
        (6, 600),
    ];
    let started = Instant::now();
    let runs: Vec<Run> = std::thread::scope(|s| {
        let handles: Vec<_> = points
            .iter()
            .map(|&(puts, ms)| {
                s.spawn(move || {
                    let emu = emulator(&[]);
                    let (ws, baseline) = workspace(&emu, &example("private-link"));
                    let mut run = interrupt(&emu, &ws, &baseline, puts, Duration::from_millis(ms));
                    if puts == 1 {
                        // Destroy straight after the interrupt removes the tainted objects too.
                        run.problems.extend(destroy_now(&emu, &ws, &baseline));
                    }
                    run.problems
                        .extend(converge_and_destroy(&emu, &ws, &baseline));
                    run
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let interrupted: Vec<&Run> = runs.iter().filter(|r| !r.finished_first).collect();
    let orphaned = interrupted.iter().filter(|r| !r.orphans.is_empty()).count();
    for r in &runs {
        eprintln!(
            "run {}: {} objects in ARM, {} orphans {:?}, tainted {:?}, exit {:.1} s after SIGINT{}",
            r.point,
            r.arm,
            r.orphans.len(),
            r.orphans,
            r.tainted,
            r.exit_after.as_secs_f64(),
            if r.finished_first {
                " (apply had finished)"
            } else {
                ""
            }
        );
    }
    eprintln!(
        "MEASURE interrupt: {} runs interrupted, {orphaned} left orphans, {:.0} s",
        interrupted.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        interrupted.len() >= 6,
        "most points must interrupt the apply"
    );
    for r in &runs {
        assert!(
            r.orphans.is_empty(),
            "{}: objects in ARM but not in the state: {:?}",
            r.point,
            r.orphans
        );
        assert!(
            r.exit_after < Duration::from_secs(15),
            "{}: terraform took {:?} to stop",
            r.point,
            r.exit_after
        );
        assert!(
            r.problems.is_empty(),
            "{}: {}",
            r.point,
            r.problems.join("\n")
        );
    }
    assert!(
        runs.iter().any(|r| !r.tainted.is_empty()),
        "an interrupted create is saved tainted"
    );
}

#[test]
fn stop_ends_a_create_whose_operation_never_finishes_and_keeps_the_object() {
    // The endpoint's operation never completes: only Stop ends the wait.
    let emu = emulator(&[
        "--faults",
        "hang-lro=1,methods=PUT,paths=*/privateEndpoints/*",
    ]);
    let (ws, baseline) = workspace(&emu, &example("private-link"));
    let run = interrupt(&emu, &ws, &baseline, 3, Duration::from_millis(500));
    eprintln!(
        "MEASURE hung create: {} objects in ARM, {} orphans, tainted {:?}, exit {:.1} s after SIGINT",
        run.arm,
        run.orphans.len(),
        run.tainted,
        run.exit_after.as_secs_f64()
    );
    assert!(!run.finished_first, "the apply cannot finish");
    assert!(run.problems.is_empty(), "{}", run.problems.join("\n"));
    assert!(
        run.exit_after < Duration::from_secs(10),
        "Stop ends the wait promptly, not at the create's time limit: {:?}",
        run.exit_after
    );
    assert!(run.orphans.is_empty(), "orphans: {:?}", run.orphans);
    assert!(
        run.tainted
            .contains(&"aml_private_endpoint.workspace".to_string()),
        "the endpoint being created is saved tainted: {:?}",
        run.tainted
    );
}

#[test]
fn a_create_whose_operation_fails_is_saved_tainted_then_replaced() {
    let emu = emulator(&[]);
    // The endpoint's create gives up within 20 s whatever the client's retry policy does.
    let config = example("private-link").replace(
        "  target_resource_id  = local.workspace_id\n}",
        "  target_resource_id  = local.workspace_id\n\n  timeouts {\n    create = \"20s\"\n  }\n}",
    );
    assert!(config.contains("create = \"20s\""), "the example changed");
    let (ws, baseline) = workspace(&emu, &config);
    emu.set_faults("lro-fail=1,methods=PUT,paths=*/privateEndpoints/*");
    let out = ws.fails(&["apply", "-auto-approve", "-no-color"]);
    assert!(has(&out, "aml_private_endpoint.workspace"), "{out}");
    let arm = arm_objects(&emu, &baseline);
    let (state, tainted) = state_ids(&ws);
    let orphans: Vec<_> = arm.difference(&state).collect();
    assert!(
        orphans.is_empty(),
        "objects lost from the state: {orphans:?}"
    );
    assert_eq!(
        tainted,
        vec!["aml_private_endpoint.workspace".to_string()],
        "the failed endpoint is saved tainted"
    );
    emu.admin("DELETE", "faults", None);
    let out = ws.ok(&["apply", "-auto-approve", "-no-color"]);
    assert!(has(&out, "is tainted, so must be replaced"), "{out}");
    assert!(!has(&out, "already exists"), "{out}");
    ws.assert_no_changes();
    ws.ok(&["destroy", "-auto-approve", "-no-color"]);
    let left = arm_objects(&emu, &baseline);
    assert!(left.is_empty(), "destroy left {left:?}");
}

/// The managed network and three rules, written one at a time per workspace.
const RULES: &str = r#"
resource "aml_workspace_managed_network" "mn" {
  workspace_id   = "WSID"
  isolation_mode = "AllowOnlyApprovedOutbound"
}

resource "aml_managed_network_outbound_rule" "tag" {
  for_each     = toset(["DataFactory", "AzureMonitor", "Sql"])
  workspace_id = aml_workspace_managed_network.mn.workspace_id
  name         = "tag-${lower(each.value)}"
  service_tag {
    service_tag = each.value
    protocol    = "TCP"
    port_ranges = "443"
  }
}
"#;

/// The user-defined outbound rules the emulator holds, lower-cased IDs.
fn user_rules(emu: &Emulator) -> BTreeSet<String> {
    emu.resource_ids()
        .into_iter()
        .filter(|id| id.to_ascii_lowercase().contains("/outboundrules/"))
        .filter(|id| {
            emu.resource(id)
                .pointer("/properties/category")
                .and_then(serde_json::Value::as_str)
                == Some("UserDefined")
        })
        .map(|id| id.to_ascii_lowercase())
        .collect()
}

#[test]
fn sigint_while_outbound_rules_are_written_leaves_none_behind() {
    let emu = emulator(&[]);
    let (ws, _) = workspace(&emu, &crate::tf::demo_config(&emu, RULES));
    let before = user_rules(&emu);
    let mut child = ws.spawn(&["apply", "-auto-approve", "-no-color"]);
    let started = Instant::now();
    while child.try_wait().expect("poll terraform").is_none()
        && accepted_puts(&emu) < 1
        && started.elapsed() < Duration::from_secs(60)
    {
        std::thread::sleep(Duration::from_millis(25));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        child.try_wait().expect("poll terraform").is_none(),
        "the apply finished before the interrupt"
    );
    sigint(child.id());
    child.wait_with_output().expect("wait for terraform");
    let rules: BTreeSet<String> = user_rules(&emu).difference(&before).cloned().collect();
    let (state, tainted) = state_ids(&ws);
    let orphans: Vec<_> = rules.difference(&state).collect();
    eprintln!(
        "MEASURE interrupted rules: {} rules in ARM, {} orphans, tainted {tainted:?}",
        rules.len(),
        orphans.len()
    );
    assert!(
        !rules.is_empty(),
        "a rule write was accepted before the interrupt"
    );
    assert!(orphans.is_empty(), "rules lost from the state: {orphans:?}");
    let problems = converge_and_destroy(&emu, &ws, &BTreeSet::new());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let left: Vec<_> = user_rules(&emu).difference(&before).cloned().collect();
    assert!(left.is_empty(), "destroy left rules {left:?}");
}
