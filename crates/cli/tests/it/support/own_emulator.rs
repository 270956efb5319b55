//! A private emulator for one test, when the test needs moto to behave differently from the shared
//! one (moto reads settings such as `MOTO_ECS_SERVICE_FAILED_TASKS` only at start): the same moto
//! server `scripts/emulator` installs, on a free port, stopped when the value is dropped.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A moto server of this test's own; `env()` reaches it.
pub struct OwnEmulator {
    child: Child,
    url: String,
}

impl OwnEmulator {
    /// Start moto with `settings` in its environment. Fails loudly when moto is not installed.
    pub fn start(settings: &[(&str, &str)]) -> OwnEmulator {
        let server = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/moto_server");
        assert!(
            server.exists(),
            "moto is not installed: no {}. Install it with `scripts/emulator start`.",
            server.display()
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(&server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            // As scripts/emulator does: AWS's managed policies exist in every account.
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            // Certificates are issued at once, as scripts/emulator has them.
            .env("MOTO_ACM_VALIDATION_WAIT", "0")
            .envs(settings.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto_server");
        let emulator = OwnEmulator {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "moto did not start within 30 s");
            std::thread::sleep(Duration::from_millis(100));
        }
        emulator
    }

    /// The environment that points the SDK (and `rnd`) at this server.
    pub fn env(&self) -> Vec<(String, String)> {
        [
            ("AWS_ENDPOINT_URL", self.url.as_str()),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_REGION", "us-east-1"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }
}

impl Drop for OwnEmulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
