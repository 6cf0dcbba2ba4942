//! The `vdx` binary as an operator meets it: help, configuration errors,
//! migrations, serving with --port 0, JSON logs, shutdown, and the demo
//! whose printed quickstart commands are run here exactly as printed.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use vdx_tests::vdx_binary;

fn vdx(args: &[&str]) -> Command {
    let mut cmd = Command::new(vdx_binary());
    cmd.args(args)
        .env_remove("VDX_DATABASE_URL")
        .env_remove("VDX_PORT")
        .env_remove("VDX_CONFIG");
    cmd
}

fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().expect("run vdx");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A SQLite database in a fresh temporary directory, removed on drop.
struct TempDb {
    dir: tempfile::TempDir,
    url: String,
}

impl TempDb {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("vdx.db").display());
        Self { dir, url }
    }

    /// Runs `vdx <args> --database-url <this database>`.
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        run(&mut vdx(&[args, &["--database-url", &self.url]].concat()))
    }
}

/// Reads a child's stdout until a line satisfies `done`, returning all lines read.
fn read_until(child: &mut Child, done: impl Fn(&str) -> bool) -> Vec<String> {
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while let Ok(line) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        let finished = done(&line);
        lines.push(line);
        if finished {
            return lines;
        }
    }
    panic!("the expected output never came; got:\n{}", lines.join("\n"));
}

fn terminate(child: &mut Child) -> i32 {
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status.code().unwrap_or(-1);
        }
        assert!(Instant::now() < deadline, "vdx did not stop after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn help_documents_every_command_and_its_environment_variables() {
    let (code, out, _) = run(&mut vdx(&["--help"]));
    assert_eq!(code, 0);
    for cmd in ["serve", "demo", "migrate", "apps", "keys"] {
        assert!(out.contains(cmd), "{out}");
    }
    let (_, serve, _) = run(&mut vdx(&["serve", "--help"]));
    for var in [
        "VDX_CONFIG",
        "VDX_DATABASE_URL",
        "VDX_LOG_FORMAT",
        "VDX_LOG_LEVEL",
        "VDX_HOST",
        "VDX_PORT",
        "VDX_PUBLIC_URL",
    ] {
        assert!(serve.contains(var), "serve --help lacks {var}:\n{serve}");
    }
    let (_, demo, _) = run(&mut vdx(&["demo", "--help"]));
    assert!(
        demo.contains("--credentials-out") && demo.contains("VDX_DEMO_CREDENTIALS_OUT"),
        "{demo}"
    );
}

#[test]
fn an_unknown_config_key_is_a_clear_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("vdx.toml");
    std::fs::write(&file, "prot = 8080\n").unwrap();
    let (code, _, err) = run(&mut vdx(&["--config", file.to_str().unwrap(), "migrate"]));
    assert_ne!(code, 0);
    assert!(err.contains("prot"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_bad_value_in_the_environment_is_a_clear_error() {
    let (code, _, err) = run(vdx(&["serve"]).env("VDX_PORT", "eighty"));
    assert_ne!(code, 0);
    assert!(
        err.contains("eighty") && err.to_lowercase().contains("port"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn an_unreachable_database_is_one_line_with_the_password_masked() {
    let (code, _, err) = run(&mut vdx(&[
        "migrate",
        "--database-url",
        "postgres://vdx:topsecret@127.0.0.1:9/vdx",
    ]));
    assert_eq!(code, 1, "{err}");
    assert!(!err.contains("topsecret"), "{err}");
    assert!(err.contains("postgres://vdx:***@127.0.0.1:9/vdx"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn apps_create_prints_the_credentials_once_and_stores_only_a_hash() {
    use sea_orm::{ConnectionTrait, Statement};
    let temp = TempDb::new();
    let create = |name: &str| {
        temp.run(&[
            "apps",
            "create",
            "--partner",
            "Chargefox",
            "--name",
            name,
            "--redirect-uri",
            "https://chargefox.example/cb",
        ])
    };
    let (code, out, err) = create("Chargefox roaming");
    assert_eq!(code, 0, "{out}{err}");
    let field = |name: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}:")))
            .unwrap_or_else(|| panic!("no {name} in {out}"))
            .trim()
            .to_owned()
    };
    let (client_id, secret) = (field("client_id"), field("client_secret"));
    assert!(
        client_id.starts_with("vdxc_") && secret.starts_with("vdxs_"),
        "{out}"
    );
    // A second app for the same partner reuses the partner.
    assert_eq!(create("Chargefox fleet").0, 0);

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let db = sea_orm::Database::connect(&temp.url).await.unwrap();
        let one = |sql: &str| Statement::from_string(db.get_database_backend(), sql.to_owned());
        let row = db
            .query_one_raw(one(&format!(
                "SELECT client_secret_hash, redirect_uris FROM apps WHERE client_id = '{client_id}'"
            )))
            .await
            .unwrap()
            .unwrap();
        let hash: String = row.try_get("", "client_secret_hash").unwrap();
        assert!(hash.starts_with("$argon2id$") && !hash.contains(&secret));
        assert!(vdx_core::secret::verify(&secret, &hash));
        let uris: String = row.try_get("", "redirect_uris").unwrap();
        assert_eq!(uris, r#"["https://chargefox.example/cb"]"#);
        let partners = db
            .query_all_raw(one("SELECT id FROM partners WHERE name = 'Chargefox'"))
            .await
            .unwrap();
        assert_eq!(partners.len(), 1);
    });

    let (code, _, err) = temp.run(&[
        "apps",
        "create",
        "--partner",
        "X",
        "--name",
        "Y",
        "--redirect-uri",
        "http://evil.example/cb",
    ]);
    assert_ne!(code, 0);
    assert!(
        err.contains("--redirect-uri") && !err.contains("panicked"),
        "{err}"
    );
}

#[test]
fn migrating_twice_is_harmless() {
    let db = TempDb::new();
    for _ in 0..2 {
        let (code, out, err) = db.run(&["migrate"]);
        assert_eq!(code, 0, "{out}{err}");
    }
}

#[test]
fn serve_on_port_zero_prints_the_port_logs_json_and_stops_cleanly_on_sigterm() {
    let db = TempDb::new();
    let mut child = vdx(&[
        "serve",
        "--port",
        "0",
        "--database-url",
        &db.url,
        "--log-format",
        "json",
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let lines = read_until(&mut child, |l| l.contains("listening on"));
    let line = lines.last().unwrap();
    let port: u16 = line
        .rsplit("(port ")
        .next()
        .unwrap()
        .trim_end_matches(')')
        .parse()
        .unwrap();
    assert_ne!(port, 0);
    let health = reqwest::blocking::get(format!("http://127.0.0.1:{port}/healthz")).unwrap();
    assert_eq!(health.status(), 200);
    let request_id = health.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(terminate(&mut child), 0);

    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    let logs: Vec<Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}")))
        .collect();
    assert!(
        logs.iter()
            .any(|l| l["span"]["request_id"] == request_id.as_str()
                || l["request_id"] == request_id.as_str()),
        "no log line carries request id {request_id}:\n{stderr}"
    );
}

#[test]
fn the_demo_quickstart_commands_return_what_it_says() {
    let db = TempDb::new();
    let creds_file = db.dir.path().join("creds.json");
    let mut child = vdx(&[
        "demo",
        "--port",
        "0",
        "--database-url",
        &db.url,
        "--credentials-out",
        creds_file.to_str().unwrap(),
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let lines = read_until(&mut child, |l| l.contains("/v1/commands/$CMD"));

    let creds: Value =
        serde_json::from_str(&std::fs::read_to_string(&creds_file).unwrap()).unwrap();
    assert!(
        creds["base_url"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:")
    );
    assert_eq!(creds["partners"].as_array().unwrap().len(), 4);
    for p in creds["partners"].as_array().unwrap() {
        for key in ["name", "client_id", "client_secret", "scopes"] {
            assert!(!p[key].is_null(), "{key} missing in {p}");
        }
    }
    assert!(creds["drivers"].as_array().unwrap().len() >= 3);
    assert!(creds["drivers"][0]["vehicles"].as_array().unwrap().len() >= 5);
    assert!(creds["admin"]["client_secret"].is_string());
    let vehicles: usize = creds["drivers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["vehicles"].as_array().unwrap().len())
        .sum();
    assert!(vehicles >= 50, "{vehicles} vehicles");

    // Run the printed commands, one per line, in one bash session, as a user pasting them would.
    let commands: Vec<&String> = lines
        .iter()
        .filter(|l| l.starts_with("RESPONSE=") || l.starts_with("curl "))
        .collect();
    assert_eq!(commands.len(), 7, "{lines:?}");
    let mut script: String = commands
        .iter()
        .map(|c| format!("{c}\necho\necho '=====';\n"))
        .collect();
    // "Repeat to watch": the last line again, until the car has carried it out.
    let follow = commands[6];
    script.push_str(&format!(
        "for i in $(seq 1 40); do OUT=$({follow}); case \"$OUT\" in *executed*|*failed*) break;; esac; sleep 0.5; done; echo \"$OUT\"\n"
    ));
    let out = Command::new("bash").arg("-c").arg(script).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let outputs: Vec<&str> = stdout.split("=====").map(str::trim).collect();
    let token: Value = serde_json::from_str(outputs[0])
        .unwrap_or_else(|_| panic!("not a token response: {}", outputs[0]));
    assert_eq!(token["token_type"], "Bearer");
    assert_eq!(token["scope"], "read:ev-charging command:ev-charging");
    let consented: Value = serde_json::from_str(outputs[1]).unwrap();
    assert!(
        consented["data"]["vehicle"]["latest"]["signals"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["path"] == "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current"),
        "{consented}"
    );
    let revoked: Value = serde_json::from_str(outputs[2]).unwrap();
    let unknown: Value = serde_json::from_str(outputs[3]).unwrap();
    assert_eq!(
        revoked["errors"][0]["extensions"]["code"], "NO_CONSENT",
        "{revoked}"
    );
    assert_eq!(revoked, unknown);
    let rest: Value = serde_json::from_str(outputs[4]).unwrap();
    assert!(rest["signals"].as_array().unwrap().len() >= 4, "{rest}");
    let queued: Value = serde_json::from_str(outputs[5]).unwrap();
    assert_eq!(queued["status"], "queued", "{queued}");
    let first: Value = serde_json::from_str(outputs[6]).unwrap();
    assert_eq!(first["id"], queued["id"]);
    assert!(
        ["queued", "delivered", "executed"].contains(&first["status"].as_str().unwrap()),
        "{first}"
    );
    let followed: Value = serde_json::from_str(outputs[7]).unwrap();
    assert_eq!(followed["status"], "executed", "{followed}");

    assert_eq!(terminate(&mut child), 0);
}

#[test]
fn vdx_simulate_drives_a_fleet_through_the_ingest_and_shows_progress() {
    let db = TempDb::new();
    let simulate =
        |ticks: &str| db.run(&["simulate", "--vehicles", "20", "--ticks", ticks, "--fast"]);
    let (code, stdout, stderr) = simulate("3");
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("tick 1/3:") && stderr.contains("tick 3/3:"),
        "{stderr}"
    );
    assert!(
        stdout.contains("simulated 20 vehicles for 3 ticks"),
        "{stdout}"
    );
    // Running again picks up the same registered vehicles, no duplicates of them.
    let (code, stdout, stderr) = simulate("1");
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("simulated 20 vehicles"), "{stdout}");
}
