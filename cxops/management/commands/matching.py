from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.core.management.base import CommandError

from cxops.errors import ApplicationError
from cxops.matching.associations import associations
from cxops.selectors.matching import association_corpus
from cxops.services.matching import match_concept_aliases_add
from cxops.services.matching import match_profiles_rebuild


class Command(BaseCommand):
    help = (
        "rebuild: rebuild every issue's matching profile (title, description, merged reports) with the "
        "lexicon in force: once after upgrading to matching by meaning, and after bulk changes made "
        "outside the services (a lexicon change on the lexicon page queues the same rebuild by itself).  "
        "learn: list the words customers use for a concept, learned from the reports merged into issues "
        "(a word that keeps turning up in the reports of issues whose title names the concept); with "
        "--apply --as USER they are added to the lexicon as that analyst (history shows it)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rebuild", "learn"])
        parser.add_argument("--min-issues", type=int, default=3, help="learn: issues showing the pair (3)")
        parser.add_argument(
            "--min-share", type=float, default=0.6, help="learn: share of the word's issues (0.6)"
        )
        parser.add_argument("--apply", action="store_true", help="learn: add the words to the lexicon")
        parser.add_argument("--as", dest="username", help="learn --apply: the analyst who adds them")

    def handle(self, *args, **options):
        if options["action"] == "rebuild":
            self.stdout.write(self.style.SUCCESS(f"profiles rebuilt: {match_profiles_rebuild()}"))
            return
        if options["min_issues"] < 2 or not 0 < options["min_share"] <= 1:
            raise CommandError("--min-issues is at least 2 and --min-share between 0 and 1")
        actor = None
        if options["apply"]:
            actor = get_user_model().objects.filter(username=options["username"] or "").first()
            if actor is None:
                raise CommandError("--apply needs --as USERNAME (an analyst)")
        found = associations(
            association_corpus(), min_issues=options["min_issues"], min_share=options["min_share"]
        )
        for item in found:
            self.stdout.write(
                f"{item.word}\t{item.code}\tissues={item.issues}\tword_issues={item.word_issues}\tshare={item.share}"
            )
        self.stdout.write(f"associations={len(found)}")
        if actor is None:
            return
        by_code: dict[str, list[str]] = {}
        for item in found:
            by_code.setdefault(item.code, []).append(item.word)
        changed = 0
        for code, words in sorted(by_code.items()):
            try:
                changed += match_concept_aliases_add(actor=actor, code=code, aliases=words) is not None
            except ApplicationError as error:
                raise CommandError(f"{code}: {error.message}") from None
        self.stdout.write(self.style.SUCCESS(f"concepts extended: {changed}"))
