from lotse._signals import HostMatcher, WordMatcher, page_facts, referrer_host


def test_word_matches_whole_word_prefix_and_long_infix() -> None:
    matcher = WordMatcher([("fachkreise", "hcp"), ("bewerbung", "applicant"), ("hcp", "hcp2")])
    assert matcher.find(["de", "fachkreise"]) == ["hcp"]
    assert matcher.find(["fachkreisportal"]) == []  # not a prefix of the entry
    assert matcher.find(["fachkreiseportal"]) == ["hcp"]  # compound starting with the entry
    assert matcher.find(["onlinebewerbung"]) == ["applicant"]  # six letters or more: infix
    assert matcher.find(["myhcpportal"]) == []  # short entries never match inside words
    assert matcher.find(["hcp"]) == ["hcp2"]


def test_phrase_entries_match_consecutive_words() -> None:
    matcher = WordMatcher([("healthcare-professionals", "hcp")])
    assert matcher.find(["en", "healthcare", "professionals", "oncology"]) == ["hcp"]
    assert matcher.find(["healthcare", "news", "professionals"]) == []


def test_each_payload_is_reported_once() -> None:
    matcher = WordMatcher([("jobs", "applicant")])
    assert matcher.find(["jobs", "jobs", "jobsuche"]) == ["applicant"]


def test_host_matcher_by_suffix_and_label() -> None:
    hosts = HostMatcher([("doccheck.com", "hcp"), ("stepstone", "applicant")])
    assert hosts.find("www.doccheck.com") == ["hcp"]
    assert hosts.find("doccheck.com.evil.net") == []
    assert hosts.find("www.stepstone.at") == ["applicant"]
    assert hosts.find("notstepstone.de") == []


def test_page_facts_keep_only_utm_parameters() -> None:
    facts = page_facts("https://www.x.de/de/Fachkreise/Onkologie?utm_campaign=HCP-Herbst&q=secret")
    assert facts.host == "www.x.de"
    assert facts.path_words == ("de", "fachkreise", "onkologie")
    assert "hcp" in facts.utm_words
    assert "secret" not in facts.utm_words


def test_page_facts_survive_garbage() -> None:
    assert page_facts("http://[::1").path == "/"
    assert page_facts("").path_words == ()


def test_referrer_host_ignores_internal_links() -> None:
    assert referrer_host("https://www.x.de/a", "x.de") is None
    assert referrer_host("https://www.google.com/", "x.de") == "www.google.com"
    assert referrer_host(None, "x.de") is None
    assert referrer_host("not a url", "x.de") is None
