//! The analysis workers (SPEC §6.1): every `serve` node runs one, which takes due jobs from the
//! queue that uploads fill, loads each transcript, runs the analyzer off the async workers and
//! stores the results — or records the failure, to be retried with exponential backoff and,
//! after [`Settings::max_attempts`], kept as `failed` with its reason.
//!
//! It wakes at once when this node stores an upload ([`Queue::wake`]) and polls every
//! [`Settings::poll`] for work other nodes queued. On start it queues re-analysis of results
//! from another analyzer version.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{Notify, watch};

use super::{Analysis, VERSION};
use crate::model::transcript::TranscriptDetail;
use crate::model::{DomainPack, Timestamp};
use crate::store::{AnalysisJob, AnalysisResult, Store};

/// The analyzer a worker runs: [`super::analyze`] in production.
pub type Analyzer = Arc<dyn Fn(&TranscriptDetail, DomainPack) -> Analysis + Send + Sync>;

/// A node's handle on the queue: what wakes its worker, and how many analyses it has run.
#[derive(Debug, Default)]
pub struct Queue {
    wake: Notify,
    analyzed: AtomicU64,
    failed: AtomicU64,
}

impl Queue {
    pub fn new() -> Self {
        Self::default()
    }

    /// Tells this node's worker that a job was queued.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Transcripts this node's worker has analyzed and stored.
    pub fn analyzed(&self) -> u64 {
        self.analyzed.load(Ordering::Relaxed)
    }

    /// Failed attempts on this node (each retried or given up on).
    pub fn failed(&self) -> u64 {
        self.failed.load(Ordering::Relaxed)
    }
}

/// How a worker runs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How often it looks for work queued elsewhere.
    pub poll: Duration,
    /// The wait before the first retry; each further retry waits twice as long.
    pub retry_base: Duration,
    /// Attempts before a job is given up on as `failed`.
    pub max_attempts: i64,
    /// Jobs taken at once.
    pub batch: u32,
    /// How long a taken job is held before it is due again (its worker having died).
    pub lease: time::Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            poll: Duration::from_millis(250),
            retry_base: Duration::from_secs(1),
            max_attempts: 5,
            batch: 16,
            lease: time::Duration::minutes(5),
        }
    }
}

impl Settings {
    /// When a job that failed its `attempts`-th attempt is due again; `None`: give up.
    pub fn retry_at(&self, now: Timestamp, attempts: i64) -> Option<Timestamp> {
        if attempts >= self.max_attempts {
            return None;
        }
        let factor = 1u32 << attempts.clamp(1, 16).saturating_sub(1);
        let wait = self.retry_base.saturating_mul(factor);
        Some(now.plus(time::Duration::try_from(wait).unwrap_or(time::Duration::DAY)))
    }
}

/// A worker over `store`, running `analyzer`.
pub struct Worker {
    store: Arc<dyn Store>,
    queue: Arc<Queue>,
    analyzer: Analyzer,
    settings: Settings,
}

/// What one job came to, before it is stored.
enum Outcome {
    Analyzed(Analysis),
    Failed(String),
}

impl Worker {
    pub fn new(store: Arc<dyn Store>, queue: Arc<Queue>, settings: Settings) -> Self {
        Self::with_analyzer(store, queue, settings, Arc::new(super::analyze))
    }

    pub fn with_analyzer(
        store: Arc<dyn Store>,
        queue: Arc<Queue>,
        settings: Settings,
        analyzer: Analyzer,
    ) -> Self {
        Self {
            store,
            queue,
            analyzer,
            settings,
        }
    }

    /// Runs until `stop` turns true; a batch under way is finished first.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        match self
            .store
            .enqueue_outdated_analysis(VERSION, Timestamp::now())
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(transcripts = n, version = VERSION, "queued re-analysis"),
            Err(e) => tracing::warn!(error = %e, "cannot queue re-analysis of older results"),
        }
        let mut failing = false;
        while !*stop.borrow() {
            let full = match self.run_batch().await {
                Ok(taken) => {
                    if failing {
                        tracing::info!("analysis queue reachable again");
                        failing = false;
                    }
                    taken >= self.settings.batch as usize
                }
                Err(e) => {
                    if !failing {
                        tracing::warn!(error = %e, "cannot take analysis jobs; retrying");
                        failing = true;
                    }
                    false
                }
            };
            if full {
                continue;
            }
            tokio::select! {
                () = tokio::time::sleep(self.settings.poll) => {},
                () = self.queue.wake.notified() => {},
                // A dropped sender can never say stop: end rather than spin.
                changed = stop.changed() => if changed.is_err() { break },
            }
        }
    }

    /// Takes a batch of due jobs and settles each; returns how many it took.
    pub async fn run_batch(&self) -> Result<usize, crate::store::StoreError> {
        let now = Timestamp::now();
        let jobs = self
            .store
            .claim_analysis_jobs(now, self.settings.batch, self.settings.lease)
            .await?;
        if jobs.is_empty() {
            return Ok(0);
        }
        let mut loaded = Vec::with_capacity(jobs.len());
        let mut outcomes: Vec<(AnalysisJob, Outcome)> = Vec::with_capacity(jobs.len());
        for job in &jobs {
            match self.load(job).await {
                Ok(input) => loaded.push((*job, input)),
                Err(why) => outcomes.push((*job, Outcome::Failed(why))),
            }
        }
        outcomes.extend(self.analyze_all(loaded).await);
        for (job, outcome) in outcomes {
            self.settle(job, outcome).await;
        }
        Ok(jobs.len())
    }

    /// The transcript and its project's domain pack.
    async fn load(&self, job: &AnalysisJob) -> Result<(TranscriptDetail, DomainPack), String> {
        let ws = job.workspace_id;
        let transcript = self
            .store
            .get_transcript(ws, job.transcript_id)
            .await
            .map_err(|e| format!("cannot load the transcript: {e}"))?
            .ok_or_else(|| "the transcript no longer exists".to_string())?;
        let project = self
            .store
            .get_project(ws, transcript.summary.project_id)
            .await
            .map_err(|e| format!("cannot load the project: {e}"))?
            .ok_or_else(|| "the transcript's project no longer exists".to_string())?;
        Ok((transcript, project.domain_pack))
    }

    /// Runs the analyzer over a batch on one blocking thread; a panic fails only its job.
    async fn analyze_all(
        &self,
        loaded: Vec<(AnalysisJob, (TranscriptDetail, DomainPack))>,
    ) -> Vec<(AnalysisJob, Outcome)> {
        if loaded.is_empty() {
            return Vec::new();
        }
        let analyzer = Arc::clone(&self.analyzer);
        let jobs: Vec<AnalysisJob> = loaded.iter().map(|(job, _)| *job).collect();
        let ran = tokio::task::spawn_blocking(move || {
            loaded
                .into_iter()
                .map(|(job, (transcript, pack))| {
                    let run = std::panic::AssertUnwindSafe(|| analyzer(&transcript, pack));
                    let outcome = match std::panic::catch_unwind(run) {
                        Ok(analysis) => Outcome::Analyzed(analysis),
                        Err(panic) => Outcome::Failed(format!(
                            "the analyzer panicked: {}",
                            panic_message(panic.as_ref())
                        )),
                    };
                    (job, outcome)
                })
                .collect::<Vec<_>>()
        })
        .await;
        match ran {
            Ok(outcomes) => outcomes,
            Err(e) => jobs
                .into_iter()
                .map(|job| {
                    (
                        job,
                        Outcome::Failed(format!("the analyzer did not run: {e}")),
                    )
                })
                .collect(),
        }
    }

    /// Stores one job's results, or records its failure.
    async fn settle(&self, job: AnalysisJob, outcome: Outcome) {
        let (ws, id) = (job.workspace_id, job.transcript_id);
        let why = match outcome {
            Outcome::Analyzed(analysis) => {
                let result = AnalysisResult {
                    annotations: &analysis.annotations,
                    turn_signals: &analysis.turn_signals,
                    version: VERSION,
                };
                match self
                    .store
                    .complete_analysis(ws, id, result, Timestamp::now())
                    .await
                {
                    Ok(()) => {
                        self.queue.analyzed.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                    Err(e) => format!("cannot store the results: {e}"),
                }
            }
            Outcome::Failed(why) => why,
        };
        self.queue.failed.fetch_add(1, Ordering::Relaxed);
        let retry_at = self.settings.retry_at(Timestamp::now(), job.attempts);
        if retry_at.is_none() {
            tracing::warn!(transcript = %id, attempts = job.attempts, error = %why,
                "analysis failed; giving up");
        } else {
            tracing::debug!(transcript = %id, attempts = job.attempts, error = %why,
                "analysis failed; will retry");
        }
        if let Err(e) = self.store.fail_analysis(ws, id, &why, retry_at).await {
            // The lease runs out and the job is taken again.
            tracing::warn!(transcript = %id, error = %e, "cannot record a failed analysis");
        }
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "no message".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_then_give_up() {
        let settings = Settings::default();
        let now = Timestamp::now();
        let waits: Vec<i64> = (1..settings.max_attempts)
            .map(|n| settings.retry_at(now, n).unwrap().unix_millis() - now.unix_millis())
            .collect();
        assert_eq!(waits, vec![1000, 2000, 4000, 8000]);
        assert_eq!(settings.retry_at(now, settings.max_attempts), None);
    }
}
