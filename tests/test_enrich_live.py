"""Against the real services, once, to confirm the samples' shapes still hold. Runs only with
BIBSYNC_LIVE_ENRICH=1 (and a network); CI and the default test run never reach the network."""

from __future__ import annotations

import os

import httpx
import pytest
from zotero_fake import listing_keyed

from bibsync.enrich.candidate import Politeness
from bibsync.enrich.fetch import TIMEOUT, Fetcher, Lookup
from bibsync.enrich.match import Verdict, decide
from bibsync.enrich.services import SERVICES
from bibsync.enrich.update import query_for

pytestmark = [pytest.mark.live, pytest.mark.skipif(os.environ.get("BIBSYNC_LIVE_ENRICH") != "1",
                                                   reason="set BIBSYNC_LIVE_ENRICH=1 to ask the real services")]


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_chinchilla_is_found_and_matched(service: str) -> None:
    keyed = next(k for k in listing_keyed() if k.key == "hoffmann2022training")
    contact = os.environ.get("BIBSYNC_CONTACT", "")
    politeness = Politeness(user_agent=f"bibsync-tests (mailto:{contact})" if contact else "bibsync-tests",
                            contact=contact)
    with httpx.Client(timeout=TIMEOUT) as client:
        result = Fetcher(client, politeness).run([Lookup(query_for(keyed))], [SERVICES[service]])
    (answer,) = result.answers
    assert not answer.failure, answer.failure
    if service == "crossref":  # the NeurIPS version is titled differently: Crossref may well find nothing
        return
    outcome = decide(query_for(keyed), answer.candidates, truncated=True)
    assert outcome.verdict is Verdict.MATCHED, outcome.reason
    assert outcome.works[0].arxiv_id in ("2203.15556", "")
    assert len(outcome.works[0].authors) >= 20
