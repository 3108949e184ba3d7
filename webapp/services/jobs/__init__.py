"""Background jobs: the Job row is the truth, Huey only rings the bell with the job id.

Starting a job writes the row (and flips the campaign to "generating") in the caller's
transaction; the id is enqueued only after that transaction commits (enqueue.py). A worker claims
the row with a compare-and-set UPDATE, keeps a lease fresh with a heartbeat, writes each output
under a unique (job_id, step_key), and finishes with another compare-and-set (runner.py). A reaper
(consumer start-up and every minute) requeues jobs whose lease expired and fails those past their
deadline, so a killed worker never leaves a job or a campaign stuck (reaper.py).

One module per job: settings, enqueue, queries, serialise (a job as data), emit (the one way to
announce a job), broker (queue status, workers, health), control (start and cancel),
campaign_status (what a job does to its campaign), runner, deltas (streamed text) and reaper. This
package re-exports what views, tasks and other services call.
"""
from .broker import broker_counts, health, mark_worker_seen, queues_status, worker_alive
from .control import cancel_job, start_batch_job, start_campaign_generation, start_single_generation
from .queries import (
    active_count,
    active_job_for_campaign,
    campaign_status_now,
    fresh_job,
    get_job,
    job_items,
    latest_job_for_campaign,
    nav_state,
    recent_jobs,
    team_item,
)
from .reaper import reap
from .runner import run_job
from .serialise import job_to_dict
from .settings import JOB_STATUSES, KIND_CAMPAIGN, KIND_SINGLE, MAX_TONE, QUEUES, TERMINAL_STATUSES

__all__ = [
    "JOB_STATUSES", "KIND_CAMPAIGN", "KIND_SINGLE", "MAX_TONE", "QUEUES", "TERMINAL_STATUSES", "active_count",
    "active_job_for_campaign", "broker_counts", "campaign_status_now", "cancel_job", "fresh_job", "get_job", "health",
    "job_items", "job_to_dict", "latest_job_for_campaign", "mark_worker_seen", "nav_state", "queues_status", "reap",
    "recent_jobs", "run_job",
    "start_batch_job", "start_campaign_generation", "start_single_generation", "team_item", "worker_alive",
]
