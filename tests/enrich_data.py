"""Enrichment records for three fixture entries, written by hand as test data.

The arXiv ids are the papers' real ones; the DOIs use Crossref's test prefix 10.5555 and the journal is
invented, so nothing here claims a real publication record. Used by the writer, consumer and sync tests.
"""

from __future__ import annotations

from bibsync.enrich.match import Work
from bibsync.enrich.store import Record, Status
from bibsync.model import Person, Venue

CHINCHILLA_AUTHORS = tuple(
    Person(family, given, particle)
    for given, particle, family in [
        ("Jordan", "", "Hoffmann"), ("Sebastian", "", "Borgeaud"), ("Arthur", "", "Mensch"),
        ("Elena", "", "Buchatskaya"), ("Trevor", "", "Cai"), ("Eliza", "", "Rutherford"),
        ("Diego", "de Las", "Casas"), ("Lisa Anne", "", "Hendricks"), ("Johannes", "", "Welbl"),
        ("Aidan", "", "Clark"), ("Tom", "", "Hennigan"), ("Eric", "", "Noland"), ("Katie", "", "Millican"),
        ("George", "van den", "Driessche"), ("Bogdan", "", "Damoc"), ("Aurelia", "", "Guy"),
        ("Simon", "", "Osindero"), ("Karen", "", "Simonyan"), ("Erich", "", "Elsen"), ("Jack W.", "", "Rae"),
        ("Oriol", "", "Vinyals"), ("Laurent", "", "Sifre"),
    ]
)

RECORDS = {
    # a preprint later published in proceedings: type, booktitle, DOI landing page, full author list
    "hoffmann2022training": Record("hoffmann2022training", Status.MATCHED, "agree (arxiv, crossref)", (
        Work(sources=("arxiv", "crossref"), title="Training Compute-Optimal Large Language Models",
             authors=CHINCHILLA_AUTHORS, year=2022, doi="10.5555/chinchilla.2022", arxiv_id="2203.15556",
             arxiv_class="cs.CL", url="https://doi.org/10.5555/chinchilla.2022",
             venue=Venue("proceedings", "Advances in Neural Information Processing Systems", 2022, "35", "",
                         "30016-30030", "Curran Associates, Inc.")),)),
    # a preprint found on arXiv only: eprint fields, arXiv URL, the found authors after the listed three
    "fernando2023promptbreeder": Record("fernando2023promptbreeder", Status.MATCHED, "agree (arxiv)", (
        Work(sources=("arxiv",), title="Promptbreeder: Self-Referential Self-Improvement Via Prompt Evolution",
             authors=(Person("Fernando", "Chrisantha"), Person("Banarse", "Dylan"), Person("Michalewski", "Henryk"),
                      Person("Osindero", "Simon"), Person("Rocktäschel", "Tim")),
             year=2023, arxiv_id="2309.16797", arxiv_class="cs.CL", url="https://arxiv.org/abs/2309.16797"),)),
    # published in a journal in a later year: the venue's year, volume/number/pages (an invented journal)
    "rae2021scaling": Record("rae2021scaling", Status.MATCHED, "agree (crossref)", (
        Work(sources=("crossref",), title="Scaling Language Models: Methods, Analysis & Insights from Training Gopher",
             authors=(Person("Rae", "Jack W."), Person("Borgeaud", "Sebastian"), Person("Cai", "Trevor"),
                      Person("Millican", "Katie")),
             year=2022, doi="10.5555/gopher_{2022}", url="https://doi.org/10.5555/gopher_{2022}",
             venue=Venue("journal", "Journal of Test Data", 2023, "12", "3", "1–120", "Test Press")),)),
    # uncertain: never applied unless accepted
    "mirowski2022clip": Record("mirowski2022clip", Status.REVIEW, "closest record (arxiv): its year is 2024", (
        Work(sources=("arxiv",), title="CLIP-CLOP: CLIP-Guided Collage and Photomontage",
             authors=(Person("Mirowski", "Piotr"), Person("Banarse", "Dylan")), year=2024, arxiv_id="2205.00000"),)),
}
