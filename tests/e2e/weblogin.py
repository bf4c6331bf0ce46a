"""A scripted browser for the login flow (requests + html.parser): follows redirects, keeps
cookies, fills digid-sim's login form and volmacht's "Voor wie logt u in?" page, and stops
when the browser is sent to the service provider (a redirect to its ACS or redirect URI, or
the self-posting form of the HTTP-POST binding).

    b = Browser(ca_bundle)
    out = b.login(start_url, stop_prefix="https://sp.test/acs", person="999900018",
                  choose="Willem Hendrik Visser")
    out.kind in ("redirect", "post", "page"); out.url, out.fields, out.status, out.text
"""

import html.parser
import urllib.parse

import requests

MAX_HOPS = 20


class FlowError(Exception):
    pass


class Form:
    def __init__(self, action, method):
        self.action, self.method = action, (method or "get").lower()
        self.inputs = []    # dicts: name, type, value, checked, id
        self.buttons = []   # (name, value, text)


class PageParser(html.parser.HTMLParser):
    """Forms (inputs, buttons) and <label for=...> texts of one page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self.labels = [], {}
        self._label_for, self._label_text = None, []
        self._button, self._button_text = None, []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method")))
        elif tag == "input" and self.forms:
            self.forms[-1].inputs.append({"name": a.get("name"), "type": a.get("type", "text"),
                                          "value": a.get("value", ""), "id": a.get("id"),
                                          "checked": "checked" in a})
        elif tag == "button" and self.forms:
            self._button, self._button_text = (a.get("name"), a.get("value", "")), []
        elif tag == "label":
            self._label_for, self._label_text = a.get("for"), []

    def handle_endtag(self, tag):
        if tag == "label" and self._label_for:
            self.labels[self._label_for] = " ".join("".join(self._label_text).split())
            self._label_for = None
        elif tag == "button" and self._button and self.forms:
            name, value = self._button
            self.forms[-1].buttons.append((name, value, "".join(self._button_text).strip()))
            self._button = None

    def handle_data(self, data):
        if self._label_for:
            self._label_text.append(data)
        if self._button:
            self._button_text.append(data)


def parse_page(text):
    p = PageParser()
    p.feed(text)
    return p


class Outcome:
    def __init__(self, kind, url="", fields=None, status=0, text="", history=None):
        self.kind, self.url, self.fields = kind, url, fields or {}
        self.status, self.text, self.history = status, text, history or []

    def query(self):
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.url).query))

    def __repr__(self):
        return "Outcome(%s, %s, status=%d)" % (self.kind, self.url[:80], self.status)


class Browser:
    def __init__(self, ca):
        self.s = requests.Session()
        # Passed on every request: a Session's verify loses against REQUESTS_CA_BUNDLE.
        self.ca = ca
        self.history = []  # every URL requested (checked for BSNs by the tests)

    def request(self, method, url, data=None):
        self.history.append(url)
        return self.s.request(method, url, data=data, allow_redirects=False, timeout=30,
                              verify=self.ca)

    def follow(self, method, url, stop_prefix, data=None):
        """Request, then follow redirects until a page or a hop to stop_prefix."""
        for _ in range(MAX_HOPS):
            if url.startswith(stop_prefix):
                return Outcome("redirect", url=url, history=list(self.history))
            r = self.request(method, url, data)
            if r.status_code in (301, 302, 303, 307):
                url = urllib.parse.urljoin(r.url, r.headers["Location"])
                if r.status_code != 307:
                    method, data = "GET", None
                continue
            page = parse_page(r.text)
            for f in page.forms:
                action = urllib.parse.urljoin(r.url, f.action)
                if action.startswith(stop_prefix) and f.method == "post":
                    fields = {i["name"]: i["value"] for i in f.inputs if i["name"]}
                    return Outcome("post", url=action, fields=fields, status=r.status_code,
                                   text=r.text, history=list(self.history))
            return Outcome("page", url=r.url, status=r.status_code, text=r.text,
                           history=list(self.history))
        raise FlowError("too many redirects")

    def submit(self, page_outcome, choose=None, button=None, overrides=None, stop_prefix=""):
        """Submits the first form of a page: radio `choose` picked by value or label text,
        `button` by value, `overrides` set last."""
        page = parse_page(page_outcome.text)
        if not page.forms:
            raise FlowError("no form on %s (HTTP %d)" % (page_outcome.url, page_outcome.status))
        f = page.forms[0]
        data = {}
        for i in f.inputs:
            if not i["name"]:
                continue
            if i["type"] in ("radio", "checkbox"):
                if i["checked"]:
                    data[i["name"]] = i["value"]
            else:
                data[i["name"]] = i["value"]
        if choose is not None:
            hits = [i for i in f.inputs if i["type"] == "radio" and (
                i["value"] == choose or choose in page.labels.get(i["id"], ""))]
            if len(hits) != 1:
                raise FlowError("option %r not offered (labels: %s)" % (
                    choose, sorted(page.labels.values())))
            data[hits[0]["name"]] = hits[0]["value"]
        if button is not None:
            hits = [b for b in f.buttons if b[1] == button]
            if not hits:
                raise FlowError("button %r not on the page" % button)
            data[hits[0][0]] = hits[0][1]
        data.update(overrides or {})
        action = urllib.parse.urljoin(page_outcome.url, f.action)
        return self.follow("POST" if f.method == "post" else "GET", action, stop_prefix, data)

    def login(self, start_url, stop_prefix, person, loa=None, choose=None, cancel_at=None,
              start_method="GET", start_data=None):
        """The whole flow from the provider's request to the answer at stop_prefix.
        cancel_at: "digid" or "choice" presses Annuleren there. choose: whom to act for
        ("mijzelf" or a name); None when no choice page is expected."""
        out = self.follow(start_method, start_url, stop_prefix, start_data)
        if out.kind != "page" or "/saml/idp/login" not in out.text:
            return out  # refused before DigiD (an error page) or answered at once
        overrides = {"bsn": person}
        if loa is not None:
            overrides["loa"] = str(loa)
        out = self.submit(out, button="annuleren" if cancel_at == "digid" else "inloggen",
                          overrides=overrides, stop_prefix=stop_prefix)
        if out.kind == "page" and "/inloggen/kies" in out.text:
            if cancel_at == "choice":
                return self.submit(out, button="annuleren", stop_prefix=stop_prefix)
            if choose is None:
                return out
            return self.submit(out, choose=choose, button="doorgaan", stop_prefix=stop_prefix)
        return out
