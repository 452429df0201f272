"""People: sites, users and their roles."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.base import GlobalIdMixin
from lms.extensions import db

ROLES = ("trainee", "trainer", "staff", "curriculum_editor", "admin")
SEXES = ("F", "M")


class Site(GlobalIdMixin, db.Model):
    """A place where training happens: a police school or an academy."""

    __tablename__ = "lms_sites"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    users: Mapped[list[User]] = relationship(back_populates="site")


class UserRole(db.Model):
    """One role held by a user."""

    __tablename__ = "lms_user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_users.id", ondelete="CASCADE"),
                                         index=True)
    role: Mapped[str] = mapped_column(String(20))


class User(GlobalIdMixin, db.Model):
    """An officer, trainer or staff member, signing in with a service or academy number."""

    __tablename__ = "lms_users"
    id: Mapped[int] = mapped_column(primary_key=True)
    # The matricule: recruits may get it months after training, so it can be empty.
    service_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    academy_number: Mapped[str] = mapped_column(String(40), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    sex: Mapped[str] = mapped_column(String(1))
    rank: Mapped[str] = mapped_column(String(60), default="")
    unit: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    site_id: Mapped[int | None] = mapped_column(ForeignKey("lms_sites.id"))
    password_hash: Mapped[str] = mapped_column(String(200))
    locale: Mapped[str | None] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped on logout and password change: a copied session cookie stops working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    # A one-time code given by staff (or an initial password): must be replaced at first use.
    must_change_password: Mapped[bool] = mapped_column(default=False)
    password_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    site: Mapped[Site | None] = relationship(back_populates="users")
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan",
                                                     lazy="selectin")

    @property
    def roles(self) -> set[str]:
        return {r.role for r in self.role_rows}

    def has_role(self, *roles: str) -> bool:
        """True if the user holds any of `roles` (admin holds every role)."""
        mine = self.roles
        return "admin" in mine or bool(mine.intersection(roles))

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name.upper()}"

    @property
    def login_id(self) -> str:
        return self.service_number or self.academy_number

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @classmethod
    def by_login(cls, login: str) -> User | None:
        """Find a user by service number or academy number (case-insensitive)."""
        login = login.strip().upper()
        return db.session.scalar(
            select(cls).where((cls.service_number == login) | (cls.academy_number == login)))
