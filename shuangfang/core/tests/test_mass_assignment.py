"""Ids of other units' objects in request bodies, and fields a body must not set (ASVS 5.0 V8.2.3 object-level
authorization, V15.3.3 mass assignment; GB/T 22239-2019 §8.1.4.2).

The foreign keys are enumerated from the serializers of the router's viewsets, so a new endpoint or a new field
is checked the day it appears: an id outside the caller's scope answers 404 (or 400 naming the field), and nothing
is created or changed.  The protected fields (organization, region, version, status, authorship, deletion, id, the
event log's seq and digest, a user's own roles) are ignored or refused, never applied.
"""

from django.db import transaction
from rest_framework import relations, serializers

from shuangfang.api_urls import router
from shuangfang.core.models import Attachment, Event
from shuangfang.core.testing import CastTestCase, make_user
from shuangfang.core.tests.test_role_matrix import WRITE_EXPECTED, business_writes, expand, state_of
from shuangfang.core.tests.test_scope_matrix import MATRIX, UnitAObjectsMixin
from shuangfang.risks.services import do_add_site_plan, point_for_equipment

# Who writes through each route when the test needs a caller allowed to write there (the rest: a unit's
# safety officer).
REGULATOR_ROUTES = ("supervision/",)
USER_ADMIN_ROUTES = ("users", "organizations")


def writable_foreign_keys(serializer_class):
    """(field name, related model, many) of the serializer's writable fields naming rows by id."""
    try:
        fields = serializer_class().fields
    except Exception:  # a serializer that needs its context to list its fields has none of this kind
        return []
    found = []
    for name, field in fields.items():
        if field.read_only:
            continue
        if isinstance(field, relations.ManyRelatedField):
            found.append((name, field.child_relation.queryset.model, True))
        elif isinstance(field, relations.RelatedField) and field.queryset is not None:
            found.append((name, field.queryset.model, False))
        elif isinstance(field, serializers.ListField) and isinstance(field.child, relations.RelatedField):
            found.append((name, field.child.queryset.model, True))
    return found


def tenant_owned(model) -> bool:
    """Rows some users see and others do not (reference data — regions, catalog, industries — are everyone's)."""
    return hasattr(model.objects, "visible_to")


def write_routes():
    """(prefix, basename, viewset, kind) for every create and update route of the router."""
    for prefix, viewset, basename in router.registry:
        if not getattr(viewset, "serializer_class", None):
            continue
        methods = getattr(viewset, "http_method_names", ())
        if hasattr(viewset, "create") and "post" in methods:
            yield prefix, basename, viewset, "create"
        if hasattr(viewset, "partial_update") and "patch" in methods:
            yield prefix, basename, viewset, "update"


class CrossTenantIdsTests(UnitAObjectsMixin, CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.unit_b_admin = make_user("unit_b_admin", cls.unit_b, "org_admin")
        cls.sibling_admin = make_user("sibling_admin", cls.sibling_county, "regulator_admin")
        # Unit B's own rows of the kinds unit A's updates may name.
        cls.attachment_b = Attachment.objects.create(
            organization=cls.unit_b,
            region_id=cls.unit_b.region_id,
            file="attachments/b.png",
            sha256="1" * 64,
            content_type="image/png",
            size=1,
            uploaded_by=cls.unit_b_user,
        )
        cls.site_plan_b = do_add_site_plan(actor=cls.unit_b_user, name="乙厂区", image=cls.attachment_b)
        cls.risk_point_b = point_for_equipment(cls.equipment_b)

    def outsider_for(self, prefix):
        """A caller of another unit (or region) allowed to create on this route: unit A's rows are outside its
        scope."""
        if prefix.startswith(REGULATOR_ROUTES):
            return self.sibling_admin if prefix == "supervision/grids" else self.sibling_inspector
        if prefix in USER_ADMIN_ROUTES:
            return self.unit_b_admin
        return self.unit_b_user

    def insider_for(self, prefix):
        """A caller allowed to update unit A's row on this route."""
        if prefix.startswith(REGULATOR_ROUTES):
            return self.county_admin
        if prefix in USER_ADMIN_ROUTES:
            return self.unit_admin
        return self.owner

    def foreign_row(self, model, actor):
        """A row of `model` outside the actor's scope."""
        visible = model.objects.visible_to(actor).values("pk")
        return model._base_manager.exclude(pk__in=visible).order_by("pk").first()

    def assertRefused(self, response, field, before):
        if response.status_code != 404:
            self.assertEqual(response.status_code, 400, response.content[:300])
            self.assertIn(field, response.json(), "refused, but not for the foreign id")
        self.assertEqual(
            (Event.objects.count(), *(model._base_manager.count() for model in before[1])),
            before[0],
            "something changed",
        )

    def snapshot(self, *models):
        return (Event.objects.count(), *(model._base_manager.count() for model in models)), models

    def test_every_route_taking_ids_is_checked(self):
        routes = [
            (prefix, kind, field)
            for prefix, _basename, viewset, kind in write_routes()
            for field, model, _many in writable_foreign_keys(viewset.serializer_class)
            if tenant_owned(model)
        ]
        # The walk reaches the routes the contract names (and so any added later).
        names = {(prefix, field) for prefix, _kind, field in routes}
        for expected in [("hazards", "equipment"), ("risks", "risk_point_id"), ("supervision/grids", "units")]:
            self.assertIn(expected, names)
        self.assertGreater(len(routes), 30)

    def test_another_units_ids_in_a_create_body_are_not_found(self):
        checked = 0
        for prefix, _basename, viewset, kind in write_routes():
            if kind != "create":
                continue
            actor = self.outsider_for(prefix)
            client = self.api(actor)
            url = f"/api/v1/{prefix}/"
            for field, model, many in writable_foreign_keys(viewset.serializer_class):
                if not tenant_owned(model):
                    continue
                row = self.foreign_row(model, actor)
                with self.subTest(route=prefix, field=field, actor=actor.username):
                    self.assertIsNotNone(row, f"the fixture has no {model.__name__} outside {actor.username}'s scope")
                    before = self.snapshot(viewset.model or model, model)
                    with transaction.atomic():
                        response = client.post(url, {field: [row.pk] if many else row.pk}, format="json")
                        self.assertRefused(response, field, before)
                        transaction.set_rollback(True)
                    checked += 1
        self.assertGreater(checked, 25)

    def test_another_units_ids_in_an_update_body_are_not_found(self):
        checked = 0
        for prefix, _basename, viewset, kind in write_routes():
            if kind != "update" or not MATRIX[prefix].unit_a_objects:
                continue
            target = getattr(self, MATRIX[prefix].unit_a_objects[0])
            actor = self.insider_for(prefix)
            client = self.api(actor)
            url = f"/api/v1/{prefix}/{target.pk}/"
            for field, model, many in writable_foreign_keys(viewset.serializer_class):
                if not tenant_owned(model):
                    continue
                row = self.foreign_row(model, actor)
                with self.subTest(route=prefix, field=field, actor=actor.username):
                    self.assertIsNotNone(row, f"the fixture has no {model.__name__} outside {actor.username}'s scope")
                    version = type(target)._base_manager.get(pk=target.pk).version
                    before = self.snapshot(type(target), model)
                    with transaction.atomic():
                        body = {field: [row.pk] if many else row.pk, "version": version}
                        response = client.patch(url, body, format="json")
                        self.assertRefused(response, field, before)
                        self.assertEqual(type(target)._base_manager.get(pk=target.pk).version, version)
                        transaction.set_rollback(True)
                    checked += 1
        self.assertGreater(checked, 8)


# Fields no body may set, with a value that would show if it were applied.  `organization` is an input on the
# routes where a regulator or an administrator names the unit; there it is not protected.
ORGANIZATION_IS_INPUT = {"user create", "accident record"}
# An organization's own region is what its update may change (a unit that moved), within the caller's scope.
REGION_IS_INPUT = {"organization update"}


class ProtectedFieldsTests(UnitAObjectsMixin, CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.safety_director = make_user("safety_director", cls.unit_a, "safety_director")

    def protected_values(self, write, creating: bool) -> dict:
        values = {
            "id": 987654,
            "region": "140522",
            "region_code": "140522",
            "status": "scrapped",
            "created_by": self.unit_b_user.pk,
            "recorded_by": self.unit_b_user.pk,
            "reported_by": self.unit_b_user.pk,
            "deleted_at": "2020-01-01T00:00:00Z",
            "deleted_by": self.unit_b_user.pk,
            "seq": 1,
            "digest": "0" * 64,
            "is_staff": True,
            "is_superuser": True,
        }
        if creating:
            values["version"] = 42
        if write.label not in ORGANIZATION_IS_INPUT:
            values["organization"] = self.unit_b.pk
        return values

    def test_protected_fields_in_a_body_are_never_applied(self):
        for write in business_writes(self):
            meant_for = [role for role, status in expand(WRITE_EXPECTED[write.label]).items() if status < 300]
            actor = getattr(self, meant_for[0])
            creating = write.target is None
            protected = self.protected_values(write, creating)
            organization = protected.pop("organization", None)
            if write.label in REGION_IS_INPUT:
                protected.pop("region")
            attempts = [("fields", {**write.body, **protected})]
            if organization is not None:
                attempts.append(("organization", {**write.body, "organization": organization}))
            for what, body in attempts:
                with self.subTest(write=write.label, actor=actor.username, protected=what):
                    before = state_of(write)
                    with transaction.atomic():
                        response = getattr(self.api(actor), write.method)(write.url, body, format="json")
                        if response.status_code in (400, 404):
                            # Refused outright: then nothing was written.
                            self.assertEqual(state_of(write), before)
                            transaction.set_rollback(True)
                            continue
                        self.assertLess(response.status_code, 300, response.content[:300])
                        pk = response.json()["id"] if creating else write.target.pk
                        self.assert_not_applied(write.model._base_manager.get(pk=pk), write, creating)
                        transaction.set_rollback(True)

    def assert_not_applied(self, obj, write, creating):
        self.assertNotEqual(obj.pk, 987654)
        self.assertEqual(obj.version, 1 if creating else write.target.version + 1)
        for name in ("deleted_at", "deleted_by_id"):
            self.assertIsNone(getattr(obj, name, None), name)
        for name in ("created_by_id", "recorded_by_id", "reported_by_id"):
            self.assertNotEqual(getattr(obj, name, None), self.unit_b_user.pk, name)
        self.assertNotEqual(getattr(obj, "status", None), "scrapped")
        self.assertFalse(getattr(obj, "is_superuser", False) or getattr(obj, "is_staff", False))
        self.assertNotEqual(getattr(obj, "organization_id", None), self.unit_b.pk, "organization taken from the body")
        if write.label not in REGION_IS_INPUT:
            self.assertNotEqual(getattr(obj, "region_id", None), "140522", "region taken from the body")

    def test_equipment_in_another_county_is_refused(self):
        body = {"code": "51101405252026A0010", "category": "5110", "name": "叉车", "region": "140522"}
        before = Event.objects.count()
        response = self.api(self.owner).post("/api/v1/equipment/", body, format="json")
        self.assertIn(response.status_code, (400, 404), response.content[:300])
        self.assertEqual(Event.objects.count(), before)

    def test_no_one_changes_their_own_roles(self):
        me = self.api(self.owner)
        for method in ("patch", "put", "post"):
            response = getattr(me, method)("/api/v1/me/", {"roles": ["org_admin"]}, format="json")
            self.assertEqual(response.status_code, 405)
        response = me.patch(
            f"/api/v1/users/{self.owner.pk}/", {"roles": ["org_admin"], "version": self.owner.version}, format="json"
        )
        self.assertIn(response.status_code, (403, 404))
        admin = self.api(self.unit_admin)
        response = admin.patch(
            f"/api/v1/users/{self.unit_admin.pk}/",
            {"roles": ["org_admin", "system_admin"], "version": self.unit_admin.version},
            format="json",
        )
        self.assertIn(response.status_code, (400, 403))
        self.owner.refresh_from_db()
        self.unit_admin.refresh_from_db()
        self.assertEqual((self.owner.roles, self.unit_admin.roles), (["safety_officer"], ["org_admin"]))

    def test_the_event_log_takes_no_body(self):
        before = Event.objects.count()
        for method in ("post", "patch", "put"):
            body = {"seq": 1, "digest": "0" * 64, "type": "forged"}
            response = getattr(self.api(self.audit_admin), method)("/api/v1/events/", body, format="json")
            self.assertEqual(response.status_code, 405)
        self.assertEqual(Event.objects.count(), before)
        self.assertFalse(Event.objects.filter(type="forged").exists())
