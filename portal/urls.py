from django.urls import path

from portal import urls_attachments, urls_desk_queue, urls_desk_ticket, urls_desk_work
from portal.views import account, accounts, areas, csat, notifications, tickets

app_name = "portal"

urlpatterns = [
    path("", accounts.home, name="home"),
    path("login", accounts.login, name="login"),
    path("logout", accounts.logout, name="logout"),
    path("password-reset", accounts.password_reset, name="password-reset"),
    path("password-reset/sent", accounts.password_reset_sent, name="password-reset-sent"),
    path(
        "password-reset/<str:uidb64>/<str:token>",
        accounts.password_reset_confirm,
        name="password-reset-confirm",
    ),
    path("language", accounts.language, name="language"),
    path("csat/<str:token>", csat.survey, name="csat"),
    path("account", account.account, name="account"),
    path(
        "account/notifications",
        account.notification_preferences,
        name="account-notifications",
    ),
    path("notifications", notifications.center, name="notifications"),
    path("notifications/unread", notifications.unread_badge, name="notifications-unread"),
    path("notifications/read-all", notifications.read_all, name="notifications-read-all"),
    path("notifications/<int:pk>/read", notifications.read_one, name="notification-read"),
    path("notifications/<int:pk>/open", notifications.open_one, name="notification-open"),
    path("help/", areas.help_home, name="help-home"),
    path("help/requests/<str:number>", tickets.help_request, name="help-request"),
    path("console/", areas.console_home, name="console-home"),
]

# Each desk module owns its routes, so the queue and the ticket screens grow apart.
urlpatterns += urls_desk_queue.urlpatterns + urls_desk_ticket.urlpatterns
urlpatterns += urls_attachments.urlpatterns
# First: its `desk/tickets/new` must match before `desk/tickets/<str:number>`.
urlpatterns[:0] = urls_desk_work.urlpatterns
