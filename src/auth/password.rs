//! Password hashing and verification on a small, fixed set of threads. Each thread owns one
//! argon2 memory buffer (19 MiB at the default cost) and reuses it for every hash, so the memory
//! that sign-ins take is the number of threads times one buffer, however many arrive at once.
//! A request waits a little for a free thread, then is refused (503 with `Retry-After`).

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};
use zeroize::Zeroizing;

use super::AuthError;

/// The largest argon2 memory a stored hash may ask for (64 MiB): a hash that wants more is
/// refused rather than allowed to grow a thread's buffer without bound.
const MAX_BLOCKS: usize = 64 * 1024;

/// The threads that hash and verify passwords, and the admission in front of them.
pub struct PasswordWorkers {
    jobs: mpsc::Sender<Job>,
    /// One permit per thread: a job holds one from admission until its thread finishes it, so
    /// no more jobs are ever queued than there are threads to run them.
    slots: Arc<Semaphore>,
    queue_wait: Duration,
}

enum Task {
    Hash(Zeroizing<String>),
    Verify(Zeroizing<String>, String),
}

enum Outcome {
    Hashed(Result<String, AuthError>),
    Verified(bool),
}

struct Job {
    task: Task,
    reply: oneshot::Sender<Outcome>,
    _slot: OwnedSemaphorePermit,
}

impl PasswordWorkers {
    /// `threads` workers (at least one; started now, each allocating its buffer on first use);
    /// a request waits at most `queue_wait` for one to be free.
    pub fn new(threads: usize, queue_wait: Duration) -> Self {
        let threads = threads.max(1);
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("halfpipe-argon2-{n}"))
                .spawn(move || work(&queue))
                .expect("a password thread starts");
        }
        Self {
            jobs,
            slots: Arc::new(Semaphore::new(threads)),
            queue_wait,
        }
    }

    /// One worker per core, as `halfpipe serve` sizes them when not told otherwise.
    pub fn per_core(queue_wait: Duration) -> Self {
        Self::new(
            std::thread::available_parallelism().map_or(1, |n| n.get()),
            queue_wait,
        )
    }

    /// An argon2id PHC string of `password` with a random salt.
    pub async fn hash(&self, password: &str) -> Result<String, AuthError> {
        match self.run(Task::Hash(password.to_string().into())).await? {
            Outcome::Hashed(hashed) => hashed,
            Outcome::Verified(_) => unreachable!("a hash job answers with a hash"),
        }
    }

    /// Whether `password` matches the stored PHC string.
    pub async fn verify(&self, password: &str, stored: &str) -> Result<bool, AuthError> {
        let task = Task::Verify(password.to_string().into(), stored.to_string());
        match self.run(task).await? {
            Outcome::Verified(ok) => Ok(ok),
            Outcome::Hashed(_) => unreachable!("a verify job answers with a verdict"),
        }
    }

    async fn run(&self, task: Task) -> Result<Outcome, AuthError> {
        let slot = tokio::time::timeout(self.queue_wait, Arc::clone(&self.slots).acquire_owned())
            .await
            .map_err(|_| AuthError::Busy {
                retry_secs: self.queue_wait.as_secs().max(1),
            })?
            .expect("the semaphore is never closed");
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job {
                task,
                reply,
                _slot: slot,
            })
            .map_err(|_| AuthError::Hashing("the password threads have stopped".into()))?;
        answer
            .await
            .map_err(|_| AuthError::Hashing("a password thread failed".into()))
    }
}

/// A worker: takes jobs until the pool is dropped, with one buffer for all of them.
fn work(queue: &Mutex<mpsc::Receiver<Job>>) {
    let mut memory: Vec<Block> = Vec::new();
    loop {
        let next = queue.lock().map(|queue| queue.recv());
        let Ok(Ok(job)) = next else { return };
        // The request went away while it waited: no need to spend the time.
        if job.reply.is_closed() {
            continue;
        }
        let outcome = match &job.task {
            Task::Hash(password) => Outcome::Hashed(hash_with(&mut memory, password)),
            Task::Verify(password, stored) => {
                Outcome::Verified(verify_with(&mut memory, password, stored))
            }
        };
        let _ = job.reply.send(outcome);
    }
}

/// The first `params.block_count()` blocks of `memory`, grown (once) if needed.
fn blocks<'m>(memory: &'m mut Vec<Block>, params: &Params) -> Option<&'m mut [Block]> {
    let needed = params.block_count();
    if needed > MAX_BLOCKS {
        return None;
    }
    if memory.len() < needed {
        memory.resize(needed, Block::new());
    }
    Some(&mut memory[..needed])
}

fn hash_with(memory: &mut Vec<Block>, password: &str) -> Result<String, AuthError> {
    let failed = |e: &dyn std::fmt::Display| AuthError::Hashing(e.to_string());
    let params = Params::default();
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).expect("the OS random number generator is available");
    let mut out = Zeroizing::new([0u8; Params::DEFAULT_OUTPUT_LEN]);
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let blocks = blocks(memory, &params).ok_or_else(|| failed(&"argon2 memory too large"))?;
    argon2
        .hash_password_into_with_memory(password.as_bytes(), &salt, &mut out[..], blocks)
        .map_err(|e| failed(&e))?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| failed(&e))?,
        salt: Some(Salt::new(&salt).map_err(|e| failed(&e))?),
        hash: Some(Output::new(&out[..]).map_err(|e| failed(&e))?),
    };
    Ok(hash.to_string())
}

fn verify_with(memory: &mut Vec<Block>, password: &str, stored: &str) -> bool {
    let Ok(hash) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&hash.salt, &hash.hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(version), Ok(params)) = (
        Algorithm::try_from(hash.algorithm.as_str()),
        hash.version
            .map_or(Ok(Version::default()), Version::try_from),
        Params::try_from(&hash),
    ) else {
        return false;
    };
    let Some(blocks) = blocks(memory, &params) else {
        return false;
    };
    let mut out = Zeroizing::new(vec![0u8; expected.len()]);
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut out[..], blocks)
        .is_ok()
        // `Output`'s equality is constant-time.
        && Output::new(&out).is_ok_and(|computed| computed == *expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::session::{hash_password, verify_password};

    #[tokio::test]
    async fn hashes_verify_both_ways_with_the_standard_argon2id() {
        let workers = PasswordWorkers::new(1, Duration::from_secs(30));
        let ours = workers.hash("correct horse").await.unwrap();
        assert!(
            ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{ours}"
        );
        assert!(verify_password("correct horse", &ours));
        assert!(!verify_password("wrong horse", &ours));
        let standard = hash_password("correct horse").unwrap();
        assert!(workers.verify("correct horse", &standard).await.unwrap());
        assert!(!workers.verify("wrong horse", &standard).await.unwrap());
        assert!(!workers.verify("correct horse", "not a hash").await.unwrap());
    }

    #[tokio::test]
    async fn a_request_that_waits_too_long_is_told_to_come_back() {
        let workers = PasswordWorkers::new(1, Duration::from_millis(1));
        let stored = hash_password("correct horse").unwrap();
        let (first, second) =
            tokio::join!(workers.verify("x", &stored), workers.verify("y", &stored));
        let busy = [first, second]
            .into_iter()
            .filter(|r| matches!(r, Err(AuthError::Busy { .. })))
            .count();
        assert_eq!(busy, 1, "one waited past the limit");
    }

    #[tokio::test]
    async fn a_hash_asking_for_too_much_memory_is_refused() {
        let workers = PasswordWorkers::new(1, Duration::from_secs(30));
        let greedy = "$argon2id$v=19$m=4194304,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0Ysy8zXyqvtFvKxJYZ8Qe5Ae2x1Cq6kQK3PcoKqK9yU";
        assert!(!workers.verify("x", greedy).await.unwrap());
    }
}
