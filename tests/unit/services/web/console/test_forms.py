"""Form posts → admin API bodies; API messages → fields."""

from __future__ import annotations

from yys.services.web.console.forms import Msg, fields_named, form_values, parse, place_error
from yys.services.web.console.resources import COMMENTS, HOMESTAYS


def _homestay_form(**over: str) -> dict[str, str]:
    form = {"title": " Sea view ", "subTitle": "", "homestayBusinessId": "3", "homestayPrice": "99.5",
            "marketHomestayPrice": "", "peopleNum": "4", "rowType": "0", "rowState": "1",
            "foodInfo": "", "foodPrice": "", "banner": "", "info": "line1\r\nline2"}
    form.update(over)
    return form


def test_a_valid_form_becomes_typed_json() -> None:
    parsed = parse(HOMESTAYS.editable(creating=True), _homestay_form(), creating=True)
    assert parsed.errors == {}
    assert parsed.body["title"] == "Sea view"
    assert parsed.body["homestayBusinessId"] == 3 and parsed.body["homestayPrice"] == 99.5
    assert parsed.body["rowState"] == 1 and parsed.body["info"] == "line1\nline2"
    assert "foodPrice" not in parsed.body  # empty numbers are left out


def test_what_cannot_be_converted_is_refused_in_place() -> None:
    parsed = parse(HOMESTAYS.editable(creating=True),
                   _homestay_form(peopleNum="four", homestayPrice="1.234", rowState="7"),
                   creating=True)
    assert parsed.errors == {"peopleNum": Msg(key="console.err.int"),
                             "homestayPrice": Msg(key="console.err.money"),
                             "rowState": Msg(key="console.err.choice")}


def test_negative_money_is_refused_and_whole_yuan_accepted() -> None:
    fields = HOMESTAYS.editable(creating=True)
    assert "homestayPrice" in parse(fields, _homestay_form(homestayPrice="-1"), creating=True).errors
    assert parse(fields, _homestay_form(homestayPrice="120"), creating=True).body["homestayPrice"] == 120


def test_an_emptied_required_number_is_refused_on_edit_but_left_to_the_api_on_create() -> None:
    form = _homestay_form(homestayBusinessId="")
    assert parse(HOMESTAYS.editable(creating=True), form, creating=True).errors == {}
    edit = parse(HOMESTAYS.editable(creating=False), form, creating=False)
    assert edit.errors == {"homestayBusinessId": Msg(key="console.err.required")}


def test_create_only_fields_are_not_edited() -> None:
    names = {f.name for f in COMMENTS.editable(creating=False)}
    assert names == {"star", "content"}


def test_api_messages_land_on_the_fields_they_name() -> None:
    names = [f.name for f in HOMESTAYS.fields]
    assert fields_named("people_num must be between 1 and 100", names) == ["peopleNum"]
    assert fields_named("Expected `int`, got `str` - at `$.peopleNum`", names) == ["peopleNum"]
    assert set(fields_named("missing field(s): title, homestay_business_id", names)) == {
        "title", "homestayBusinessId"}
    # `info` is not `food_info`, `title` is not `sub_title`
    assert fields_named("food_info is longer than 255 characters", names) == ["foodInfo"]
    assert fields_named("sub_title must be a string", names) == ["subTitle"]
    errors, general = place_error("state changed concurrently", names)
    assert errors == {} and general == Msg(text="state changed concurrently")


def test_form_values_show_money_with_two_decimals() -> None:
    values = form_values(HOMESTAYS.fields, {"title": "x", "homestayPrice": 99.5, "peopleNum": 2})
    assert values["homestayPrice"] == "99.50" and values["peopleNum"] == "2"
    assert values["foodPrice"] == "" and form_values(HOMESTAYS.fields, None)["title"] == ""


def test_a_missing_field_reads_required_and_the_api_prefix_is_dropped() -> None:
    names = [f.name for f in HOMESTAYS.fields]
    errors, general = place_error(
        "bad request parameter: Object missing required field `homestayBusinessId` (data)", names)
    assert errors == {"homestayBusinessId": Msg(key="console.err.required")} and general is None
    errors, _ = place_error("bad request parameter: Expected `int`, got `str` - at `$.peopleNum`", names)
    assert errors == {"peopleNum": Msg(text="Expected `int`, got `str` - at `$.peopleNum`")}
