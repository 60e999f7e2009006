"""inference-api's api_key_file: the key is required when set, and a file that would leave no key
(empty, a blank first line) stops the start instead of turning the key off."""
import openai
import pytest

from conftest import Server


@pytest.fixture(scope="module")
def keyed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("keyed")
    (tmp / "key").write_text("sk-wharf-test\n")
    s = Server(tmp, extra_api=f"api_key_file = {tmp / 'key'}")
    yield s
    assert s.stop() == 0, s.output()


def test_the_key_is_required(keyed):
    good = openai.OpenAI(base_url=keyed.base_url, api_key="sk-wharf-test", max_retries=0, timeout=60)
    assert [m.id for m in good.models.list().data] == ["smollm2"]
    for wrong in ("sk-wharf-tes", "sk-wharf-test2", "unused"):
        bad = openai.OpenAI(base_url=keyed.base_url, api_key=wrong, max_retries=0, timeout=60)
        with pytest.raises(openai.AuthenticationError):
            bad.models.list()


@pytest.mark.parametrize("content", ["", "\n", "\nsk-wharf-test\n", "  \t\n"],
                         ids=["empty", "newline", "blank-first-line", "spaces"])
def test_an_unusable_key_file_stops_start_up(tmp_path, content):
    (tmp_path / "key").write_text(content)
    with pytest.raises(AssertionError) as failed:
        Server(tmp_path, extra_api=f"api_key_file = {tmp_path / 'key'}")
    assert "api_key_file" in str(failed.value) and str(tmp_path / "key") in str(failed.value)
