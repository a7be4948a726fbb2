"""POST /api/v1/repairs/{id}/photos: the reporter adds photos while the request is open, the
company completion photos while the work is in progress; the same content check and 9-photo
limit as the pages; every refusal (not an image, one too many, wrong person, wrong state,
another company) keeps nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fangguan.repairs import services
from fangguan.repairs.models import Photo

from .conftest import png_bytes

pytestmark = pytest.mark.django_db


def post(client, rid, *files):
    return client.client.post(f"/api/v1/repairs/{rid}/photos", {"photos": list(files)}, **client.headers)


def png(name="a.png"):
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def test_the_reporter_adds_photos_and_the_detail_lists_them(world, api):
    r = world.file(photos=[png("first.png")])
    answer = post(api("yezhu"), r.pk, png("b.png"), png("c.png"))
    assert answer.status_code == 200, answer.content
    photos = answer.json()["photos"]
    assert [p["stage"] for p in photos] == ["report"] * 3 and photos[1]["width"] == 8
    assert api("yezhu").get(f"/api/v1/repairs/{r.pk}").json()["photos"] == photos


def test_the_company_adds_completion_photos_while_working(world, api):
    r = world.file()
    for action in ("accept", "start"):
        r = services.act(world.dispatcher, r, action)
    answer = post(api("wuye"), r.pk, png("done.png"))
    assert answer.status_code == 200, answer.content
    assert [p["stage"] for p in answer.json()["photos"]] == ["completion"]


@pytest.mark.parametrize("case", ["not_an_image", "tenth", "stranger", "other_company", "closed", "none"])
def test_refusals_keep_nothing(world, api, case):
    r = world.file(photos=[png(f"{i}.png") for i in range(8)])
    client, files, status = api("yezhu"), [png("x.png")], 422
    if case == "not_an_image":
        files = [png("ok.png"), SimpleUploadedFile("fake.png", b"not a picture", content_type="image/png")]
    elif case == "tenth":
        files = [png("9.png"), png("10.png")]
    elif case == "stranger":  # the committee sees the request but does not add photos to it
        client, status = api("juweihui"), 403
    elif case == "other_company":
        client, status = api("other-dispatcher"), 404
    elif case == "closed":
        services.act(world.resident, r, "cancel")
        status = 409
    elif case == "none":
        files = []
    before = list(Photo.objects.filter(request=r).values_list("pk", "image"))
    answer = post(client, r.pk, *files)
    assert answer.status_code == status, answer.content
    if status in (403, 409):
        assert any("\u4e00" <= ch <= "\u9fff" for ch in answer.json()["detail"])  # a Chinese message
    assert list(Photo.objects.filter(request=r).values_list("pk", "image")) == before
