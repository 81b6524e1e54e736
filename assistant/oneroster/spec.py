"""The OneRoster 1.2 CSV binding as data: files, columns in order, required columns and the
vocabularies Waypoint checks (1EdTech OneRoster 1.2.1 CSV binding, section 3 field tables).

Column names are compared in lower case (the reader lower-cases headers). A column whose
value is required must be in the header; optional columns may be left out. `status` and
`dateLastModified` are in every data file: blank (or `active`) in a bulk file, filled in a
delta file. Extension columns start with `metadata.`.
"""

from __future__ import annotations

from dataclasses import dataclass

ONEROSTER_VERSION = "1.2"
MANIFEST_VERSION = "1.0"
MODES = ("absent", "bulk", "delta")
STATUSES = ("active", "tobedeleted")
EXTENSION = "ext:"  # a vocabulary value of one's own: ext:anything


@dataclass(frozen=True)
class Table:
    """One data file: its columns in the binding's order and those whose value is required."""

    name: str
    columns: tuple[str, ...]
    required: tuple[str, ...]

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"


COMMON = ("sourcedId", "status", "dateLastModified")


def _table(name: str, columns: str, required: str) -> Table:
    return Table(name, (*COMMON, *columns.split()), ("sourcedId", *required.split()))


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        _table(
            "academicSessions",
            "title type startDate endDate parentSourcedId schoolYear",
            "title type startDate endDate schoolYear",
        ),
        _table("orgs", "name type identifier parentSourcedId", "name type"),
        _table(
            "courses",
            "schoolYearSourcedId title courseCode grades orgSourcedId subjects subjectCodes",
            "title orgSourcedId",
        ),
        _table(
            "classes",
            "title grades courseSourcedId classCode classType location schoolSourcedId "
            "termSourcedIds subjects subjectCodes periods",
            "title courseSourcedId classType schoolSourcedId termSourcedIds",
        ),
        _table(
            "users",
            "enabledUser username userIds givenName familyName middleName identifier email sms "
            "phone agentSourcedIds grades password userMasterIdentifier preferredGivenName "
            "preferredMiddleName preferredFamilyName primaryOrgSourcedId pronouns",
            "enabledUser username givenName familyName",
        ),
        _table(
            "roles",
            "userSourcedId roleType role beginDate endDate orgSourcedId userProfileSourcedId",
            "userSourcedId roleType role orgSourcedId",
        ),
        _table(
            "enrollments",
            "classSourcedId schoolSourcedId userSourcedId role primary beginDate endDate",
            "classSourcedId schoolSourcedId userSourcedId role",
        ),
        _table(
            "demographics",
            "birthDate sex americanIndianOrAlaskaNative asian blackOrAfricanAmerican "
            "nativeHawaiianOrOtherPacificIslander white demographicRaceTwoOrMoreRaces "
            "hispanicOrLatinoEthnicity countryOfBirthCode stateOfBirthAbbreviation cityOfBirth "
            "publicSchoolResidenceStatus",
            "",
        ),
        _table(
            "userProfiles",
            "userSourcedId profileType vendorId applicationId description credentialType "
            "username password",
            "userSourcedId profileType vendorId credentialType username",
        ),
        _table("categories", "title weight", "title"),
        _table(
            "lineItems",
            "title description assignDate dueDate classSourcedId categorySourcedId "
            "academicSessionSourcedId resultValueMin resultValueMax schoolSourcedId",
            "title assignDate dueDate classSourcedId categorySourcedId academicSessionSourcedId "
            "schoolSourcedId",
        ),
        _table(
            "results",
            "lineItemSourcedId studentSourcedId scoreStatus score scoreDate comment textScore "
            "classSourcedId inProgress incomplete late missing",
            "lineItemSourcedId studentSourcedId scoreStatus scoreDate",
        ),
        _table(
            "scoreScales",
            "title type orgSourcedId courseSourcedId classSourcedId scoreScaleValue",
            "title type orgSourcedId courseSourcedId classSourcedId scoreScaleValue",
        ),
        _table(
            "lineItemScoreScales",
            "title lineItemSourcedId scoreScaleSourcedId",
            "lineItemSourcedId scoreScaleSourcedId",
        ),
        _table(
            "resultScoreScales",
            "title resultSourcedId scoreScaleSourcedId",
            "resultSourcedId scoreScaleSourcedId",
        ),
        _table(
            "lineItemLearningObjectiveIds",
            "lineItemSourcedId source learningObjectiveId",
            "lineItemSourcedId source learningObjectiveId",
        ),
        _table(
            "resultLearningObjectiveIds",
            "resultSourcedId source learningObjectiveId score textScore",
            "resultSourcedId source learningObjectiveId",
        ),
    )
}
# Files of the binding Waypoint has no use for: listed in a manifest, never read.
UNUSED_FILES = ("classResources", "courseResources", "resources", "userResources")
MANIFEST_FILES = tuple(sorted((*TABLES, *UNUSED_FILES), key=str.casefold))

ACADEMIC_SESSION_TYPES = ("gradingPeriod", "semester", "schoolYear", "term")
ORG_TYPES = ("department", "school", "district", "local", "state", "national")
CLASS_TYPES = ("homeroom", "scheduled")
ROLE_TYPES = ("primary", "secondary")
ROLES = (
    "aide",
    "counselor",
    "districtAdministrator",
    "guardian",
    "parent",
    "principal",
    "proctor",
    "relative",
    "siteAdministrator",
    "student",
    "systemAdministrator",
    "teacher",
)
ENROLLMENT_ROLES = ("administrator", "proctor", "student", "teacher")
SCORE_STATUSES = ("exempt", "fully graded", "not submitted", "partially graded", "submitted")
OBJECTIVE_SOURCES = ("case", "unknown")
BOOLEANS = ("true", "false")

# OneRoster roles as Waypoint roles; the others (aide, counselor, proctor, relative) give no
# access in Waypoint and are skipped, said so in the report.
WAYPOINT_ROLES = {
    "student": "student",
    "teacher": "teacher",
    "parent": "parent",
    "guardian": "parent",
    "siteAdministrator": "admin",
    "districtAdministrator": "admin",
    "systemAdministrator": "admin",
    "principal": "leader",
}
