"""The strategy pool's tables.  `Strategy` is the page; everything else hangs off it."""

from .choices import StrategyStatus
from .choices import VoteChoice
from .discussion import Comment
from .discussion import CommentEdit
from .strategy import Revision
from .strategy import StatusChange
from .strategy import Strategy
from .strategy import Tag
from .votes import Vote

__all__ = [
    "Comment",
    "CommentEdit",
    "Revision",
    "StatusChange",
    "Strategy",
    "StrategyStatus",
    "Tag",
    "Vote",
    "VoteChoice",
]
