"""The strategy pool's tables.  `Strategy` is the page; everything else hangs off it."""

from .discussion import Comment, CommentEdit
from .strategy import Revision, StatusChange, Strategy, StrategyStatus, Tag
from .votes import Vote, VoteChoice

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
