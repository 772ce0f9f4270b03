"""The only import surface for modules. Everything else in ``core`` is private and may change."""

from core.api.context import (
    AppContext,
    DeviceContext,
    JobContext,
    ModuleContext,
    RequestContext,
    SeedContext,
    TenantInfo,
)
from core.api.contract import (
    BUILTIN_ROLES,
    ROLE_ADMIN,
    ROLE_EDITOR,
    DeviceData,
    DiscussionSubject,
    ModuleSpec,
    PushTopic,
    ScheduledJob,
)
from core.api.created import created_resource
from core.api.db import Base, TenantOwned, TenantRepository, TenantScoped, Tombstone, metadata, record_deletion, utcnow
from core.api.deployment import deployment_env
from core.api.dialect import insert_for, is_postgres
from core.api.errors import Conflict, Gone, Invalid, NotFound
from core.api.guards import require_admin, require_device, require_editor, require_staff
from core.api.i18n import check_texts, direction, parse_accept_language, pick
from core.api.identity import DeviceUser, StaffUser
from core.api.keys import ModuleKeys
from core.api.limits import Budget, RateLimits
from core.api.metrics import CacheMeter, ImportMeter
from core.api.moments import check_years, plausible_year
from core.api.paging import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    after_cursor,
    check_limit,
    cursor_values,
    deleted_since,
    paginate,
    paginate_and_peek,
    paginate_by_score,
    parse_since,
    sync_token,
)
from core.api.push import Audience, Notification, PushPort
from core.api.spatial import (
    create_point_index,
    distance_m,
    distance_to,
    drop_point_index,
    near,
    paginate_by_distance,
    point_params,
)
from core.api.tenancy import CrossCityWrite, all_cities, city_of
from core.api.text_search import (
    TextIndex,
    create_text_index,
    drop_text_index,
    matching,
    search_terms,
    text_query_params,
    text_rank,
)

__all__ = [
    "BUILTIN_ROLES",
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "ROLE_ADMIN",
    "ROLE_EDITOR",
    "AppContext",
    "Audience",
    "Base",
    "Budget",
    "CacheMeter",
    "Conflict",
    "CrossCityWrite",
    "DeviceContext",
    "DeviceData",
    "DeviceUser",
    "DiscussionSubject",
    "Gone",
    "ImportMeter",
    "Invalid",
    "JobContext",
    "ModuleContext",
    "ModuleKeys",
    "ModuleSpec",
    "NotFound",
    "Notification",
    "PushPort",
    "PushTopic",
    "RateLimits",
    "RequestContext",
    "ScheduledJob",
    "SeedContext",
    "StaffUser",
    "TenantInfo",
    "TenantOwned",
    "TenantRepository",
    "TenantScoped",
    "TextIndex",
    "Tombstone",
    "after_cursor",
    "all_cities",
    "check_limit",
    "check_texts",
    "check_years",
    "city_of",
    "create_point_index",
    "create_text_index",
    "created_resource",
    "cursor_values",
    "deleted_since",
    "deployment_env",
    "direction",
    "distance_m",
    "distance_to",
    "drop_point_index",
    "drop_text_index",
    "insert_for",
    "is_postgres",
    "matching",
    "metadata",
    "near",
    "paginate",
    "paginate_and_peek",
    "paginate_by_distance",
    "paginate_by_score",
    "parse_accept_language",
    "parse_since",
    "pick",
    "plausible_year",
    "point_params",
    "record_deletion",
    "require_admin",
    "require_device",
    "require_editor",
    "require_staff",
    "search_terms",
    "sync_token",
    "text_query_params",
    "text_rank",
    "utcnow",
]
