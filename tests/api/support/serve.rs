//! `halfpipe serve` as a process of its own, with debug logging, on a port of its choice: what
//! it prints at start (the bootstrap key and owner), and what it wrote once it is stopped.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{PREFIX, TestDb};

/// One output stream of a child process: every line as it arrives, and all of it at the end.
struct Stream {
    lines: mpsc::Receiver<String>,
    all: Option<JoinHandle<String>>,
}

impl Stream {
    /// Drains `pipe` on a thread all along, so that the child never blocks on a full pipe.
    fn read(pipe: impl Read + Send + 'static) -> Self {
        let (tx, lines) = mpsc::channel();
        let all = std::thread::spawn(move || {
            let mut all = String::new();
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                all.push_str(&line);
                all.push('\n');
                let _ = tx.send(line);
            }
            all
        });
        Self {
            lines,
            all: Some(all),
        }
    }

    /// The next line, waiting at most until `deadline`.
    fn next_line(&self, deadline: Instant, waiting_for: &str) -> String {
        let left = deadline.saturating_duration_since(Instant::now());
        self.lines
            .recv_timeout(left)
            .unwrap_or_else(|e| panic!("no {waiting_for} in time ({e})"))
    }

    /// Everything the stream carried, once the process has ended.
    fn finish(&mut self) -> String {
        self.all
            .take()
            .expect("finished once")
            .join()
            .expect("reader thread")
    }
}

/// A running `halfpipe serve` with debug logging, listening on a port of its choice.
pub struct ServeProcess {
    /// `None` once terminated; a process still here when dropped (a failed test) is killed.
    child: Option<Child>,
    stdout: Stream,
    stderr: Stream,
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl ServeProcess {
    pub fn start(db: &TestDb) -> Self {
        Self::start_with(db, &[])
    }

    /// Like `start`, with more (or overriding) environment variables.
    pub fn start_with(db: &TestDb, env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_halfpipe"))
            .arg("serve")
            .env("HALFPIPE_DATABASE_URL", &db.url)
            .env("HALFPIPE_LISTEN", "127.0.0.1:0")
            .env("HALFPIPE_LOG", "debug")
            // Only the flush at shutdown can write last-used times.
            .env("HALFPIPE_LAST_USED_FLUSH_MS", "3600000")
            .env("NO_COLOR", "1")
            .envs(env.iter().copied())
            .current_dir(std::env::temp_dir())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("halfpipe serve starts");
        let stdout = Stream::read(child.stdout.take().unwrap());
        let stderr = Stream::read(child.stderr.take().unwrap());
        Self {
            child: Some(child),
            stdout,
            stderr,
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("still running").id()
    }

    /// The resident memory of the process now, in KiB (`VmRSS` of `/proc/<pid>/status`).
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .expect("/proc/<pid>/status is readable");
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("a VmRSS line")
    }

    /// How many file descriptors the process has open (its sockets among them).
    pub fn open_fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid()))
            .map(|dir| dir.count())
            .unwrap_or(0)
    }

    /// Reads stdout until the bootstrap key and the server's address have both appeared.
    pub fn bootstrap(&self) -> (String, String) {
        let (key, address, _) = self.bootstrap_lines();
        (key, address)
    }

    /// Like `bootstrap`, also returning every stdout line read on the way.
    pub fn bootstrap_lines(&self) -> (String, String, Vec<String>) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let (mut key, mut address, mut lines) = (None, None, Vec::new());
        while key.is_none() || address.is_none() {
            let line = self.stdout.next_line(deadline, "bootstrap key and address");
            for word in line.split_whitespace() {
                if let Some(at) = word.find(PREFIX)
                    && key.is_none()
                {
                    key = Some(
                        word[at..]
                            .trim_matches(|c| c == '\'' || c == '"')
                            .to_string(),
                    );
                }
                if let Some(rest) = word.strip_prefix("http://") {
                    let host = rest.split('/').next().unwrap_or_default();
                    address = Some(format!("http://{host}"));
                }
            }
            lines.push(line);
        }
        (key.unwrap(), address.unwrap(), lines)
    }

    /// Reads the log until the server says it is listening.
    pub fn wait_until_listening(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self
            .stderr
            .next_line(deadline, "\"listening\" log line")
            .contains("listening")
        {}
    }

    /// Sends SIGTERM and waits (bounded) for the exit; returns (exit status, stdout, stderr).
    pub async fn terminate(mut self) -> (std::process::ExitStatus, String, String) {
        let mut child = self.child.take().expect("still running");
        let pid = child.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "SIGTERM was sent");
        let waited = tokio::time::timeout(
            Duration::from_secs(10),
            tokio::task::spawn_blocking(move || child.wait()),
        )
        .await;
        let status = match waited {
            Ok(joined) => joined.expect("wait task").expect("wait"),
            Err(_) => {
                let _ = Command::new("kill").args(["-KILL", &pid]).status();
                panic!("halfpipe serve did not exit within 10 s of SIGTERM");
            }
        };
        (status, self.stdout.finish(), self.stderr.finish())
    }
}
