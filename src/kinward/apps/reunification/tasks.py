"""Background work of family reunification: the DNA database searches (queued by the laboratory's pages and API).

`match_search_execute` runs one queued search. It is enqueued by `services.match_search_request`, not scheduled.
"""

from __future__ import annotations

from django_tasks import task


@task()
def match_search_execute(search_run_id: int) -> dict:
    """Run the national kinship search of one queued search run and make its match proposals."""
    from kinward.apps.reunification.lab_services import match_search_execute as execute

    run = execute(search_run_id=search_run_id)
    return {
        "search_run": run.pk,
        "state": run.state,
        "status": run.status,
        "proposals": run.proposals_created,
    }
