"""Import every model so that metadata (and Alembic) sees all tables."""

from .accounts.models import User  # noqa: F401
from .accounts.sms_login import SmsCode  # noqa: F401
from .core.audit import AuditEntry  # noqa: F401
from .directory.models import (  # noqa: F401
    Body,
    Category,
    Community,
    Membership,
    Organisation,
    OrganisationMember,
    Street,
)
from .matters.models import Cosign, Follow, Matter, MatterPhoto  # noqa: F401
from .meetings.models import (  # noqa: F401
    AgendaItem,
    Attendance,
    BallotBox,
    BallotCast,
    Meeting,
    MeetingBody,
    Objection,
    Recusal,
    SpeakRequest,
    Vote,
)
from .notifications.models import (  # noqa: F401
    Delivery,
    Notification,
    NotificationPreference,
    SmsConsoleMessage,
)
from .opinions.models import (  # noqa: F401
    Opinion,
    OpinionAgree,
    OpinionReport,
    OpinionSummary,
)
from .reminders import ReminderSent  # noqa: F401
from .tracking.models import (  # noqa: F401
    Assignment,
    Evaluation,
    Offer,
    Phase,
    Pledge,
    ProgressReport,
    Rating,
    ReportPhoto,
    Spending,
)
from .volunteers.models import (  # noqa: F401
    PointsAccount,
    PointsEntry,
    Redemption,
    ShopItem,
    Signup,
    VolunteerTask,
)
