"""The request plumbing every HTTP client shares: one `httpx.AsyncClient`,
one `_request` that turns error answers into `ApiError` and transport failures
into `Unreachable`, and schema parsing of the answers."""

from __future__ import annotations

import re
import ssl
import typing
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import unquote, urlsplit

import msgspec

from chatsup.client._httpx import httpx
from chatsup.client.errors import ApiError, Unreachable, error_from_body
from chatsup.client.filters import Filters, Params
from chatsup.client.transport import StdlibTransport

M = TypeVar("M")
QueryParams = Mapping[str, str | list[str]]  # a list: the key repeated

DEFAULT_TIMEOUT = 10.0

_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# what a keep-alive connection the server has just closed looks like
_STALE = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)


def list_params(
    filters: Filters | None, cursor: str | None = None, limit: int | None = None
) -> Params:
    """Query parameters of a list call: the filters, then the page."""
    params = filters.to_params() if filters else {}
    if cursor:
        params["cursor"] = cursor
    if limit is not None:
        params["limit"] = str(limit)
    return params


def without_none(**fields: Any) -> dict[str, Any]:
    """A request body without the fields left unset (the server refuses no
    omitted optional field, and unknown ones are a 422)."""
    return {k: v for k, v in fields.items() if v is not None}


@dataclass(frozen=True)
class MediaFile:
    """A downloaded media file: where it is, its type and size as served,
    and the name the visitor gave it (None when the server sent none)."""

    path: Path
    type: str
    size: int
    name: str | None


def _filename(disposition: str) -> str | None:
    m = re.search(r"filename\*=UTF-8''([^;\s]+)", disposition)
    if m:
        return unquote(m.group(1))
    m = re.search(r'filename="([^"]*)"', disposition)
    return m.group(1) if m else None


def _reason(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"no answer in time ({type(exc).__name__})"
    if isinstance(exc, httpx.ConnectError):
        return f"connection failed ({exc or 'refused'})"
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def tls_for(base_url: str) -> ssl.SSLContext | bool:
    """What the client verifies TLS with. https: httpx's default (the CA
    bundle, certificates and host names checked). Plain http sets up no TLS,
    so the CA bundle is not loaded (~25 ms of a console's start): a context
    that trusts no certificate at all stands in, and would refuse any TLS
    connection instead of accepting one unchecked (requests only ever go to
    paths under `base_url`, and redirects are not followed)."""
    if urlsplit(base_url).scheme.lower() != "http":
        return True
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED, host checked, no CA


class BaseClient:
    """An async context manager over one `httpx.AsyncClient`. Usable without
    `async with` too, as long as `aclose()` is called."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        verify = tls_for(self.base_url)
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            headers=headers,
            timeout=timeout,
            # http.client in threads, not httpcore over anyio (client/transport.py)
            transport=transport or StdlibTransport(verify=verify),
            verify=verify,
        )

    @property
    def token(self) -> str | None:
        return self._token

    def _set_token(self, token: str | None) -> None:
        self._token = token
        if token:
            self._http.headers["Authorization"] = f"Bearer {token}"
        else:
            self._http.headers.pop("Authorization", None)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- plumbing ---------------------------------------------------------------

    async def _send(self, request: httpx.Request, *, stream: bool = False) -> httpx.Response:
        """Send, retrying an idempotent request once when a pooled keep-alive
        connection turns out to have been closed by the server meanwhile."""
        tries = 2 if request.method in _IDEMPOTENT else 1
        for attempt in range(1, tries + 1):
            try:
                return await self._http.send(request, stream=stream)
            except _STALE as e:
                if attempt == tries:
                    raise Unreachable(self.base_url, _reason(e)) from e
            except httpx.TransportError as e:
                raise Unreachable(self.base_url, _reason(e)) from e
        raise AssertionError("unreachable")  # pragma: no cover

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: QueryParams | None = None,
        json: Any = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
    ) -> httpx.Response:
        """Send one request; a 2xx answer is returned, anything else raised."""
        request = self._http.build_request(method, path, params=params, json=json, files=files)
        resp = await self._send(request)
        if not resp.is_success:
            raise error_from_body(resp.status_code, resp.content, resp.headers)
        return resp

    @asynccontextmanager
    async def _stream(
        self, method: str, path: str, *, params: QueryParams | None = None
    ) -> AsyncIterator[httpx.Response]:
        """A streamed 2xx answer (the body not read yet); errors as `_request`.
        Transport failures while the body is read also become `Unreachable`."""
        request = self._http.build_request(method, path, params=params)
        resp = await self._send(request, stream=True)
        try:
            if not resp.is_success:
                body = await resp.aread()
                raise error_from_body(resp.status_code, body, resp.headers)
            yield resp
        except httpx.TransportError as e:
            raise Unreachable(self.base_url, _reason(e)) from e
        finally:
            await resp.aclose()

    @staticmethod
    def _parse(model: type[M], resp: httpx.Response) -> M:
        """The answer as its wire model (`domain/models.py`), decoded by
        msgspec; an answer that is no JSON or does not match is `ApiError`
        "bad_response"."""
        try:
            decoded: M = _decoder(model).decode(resp.content)
        except msgspec.DecodeError as e:  # also its subclass ValidationError
            raise _bad_response(resp, f"does not match {_name(model)}: {e}") from e
        return decoded

    @classmethod
    def _read(cls, resp: httpx.Response, name: str, read: Callable[[Any], M]) -> M:
        """The answer's JSON through `read` (a reader that is no wire model,
        e.g. the typed events); what it refuses is `ApiError` "bad_response"."""
        data = cls._json(resp)
        try:
            return read(data)
        except (KeyError, TypeError, ValueError) as e:
            raise _bad_response(resp, f"does not match {name}: {e}") from e

    @staticmethod
    def _json(resp: httpx.Response) -> Any:
        try:
            return resp.json()
        except ValueError as e:
            raise _bad_response(resp, "is not JSON") from e

    @classmethod
    def _object(cls, resp: httpx.Response) -> dict[str, Any]:
        """The answer as a JSON object (a dict), or `ApiError` "bad_response"."""
        data = cls._json(resp)
        if not isinstance(data, dict):
            raise _bad_response(resp, "is not a JSON object")
        return data

    async def _download(
        self,
        path: str,
        dest: Path | str,
        params: QueryParams | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> httpx.Headers:
        """Stream `GET path` into `dest`; the answer's headers. The file
        appears at `dest` only when complete (written to `dest.part` first);
        a failure leaves no partial file behind. `progress` is called with
        the running byte count."""
        dest = Path(dest)
        part = dest.with_name(dest.name + ".part")
        written = 0
        try:
            async with self._stream("GET", path, params=params) as resp:
                with part.open("wb") as out:
                    async for chunk in resp.aiter_bytes():
                        out.write(chunk)
                        written += len(chunk)
                        if progress is not None:
                            progress(written)
                headers = resp.headers
            part.replace(dest)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
        return headers

    async def download_media(self, media: int | str, dest: Path | str) -> MediaFile:
        """Save a visitor's shared file (`GET /v1/media/{id}`; `media`: its id
        or its `url`) to `dest`. `Forbidden` when this token may not read it
        (its visitor, the advisor holding the chat and supervisors may)."""
        path = media if isinstance(media, str) else f"/v1/media/{int(media)}"
        if not path.startswith("/v1/media/"):
            raise ValueError(f"not a media url: {path!r}")
        headers = await self._download(path, dest)
        return MediaFile(
            path=Path(dest),
            type=headers.get("content-type", "application/octet-stream"),
            size=Path(dest).stat().st_size,
            name=_filename(headers.get("content-disposition", "")),
        )

    async def _get(self, model: type[M], path: str, params: QueryParams | None = None) -> M:
        return self._parse(model, await self._request("GET", path, params=params))

    async def _get_json(self, path: str, params: QueryParams | None = None) -> Any:
        return self._json(await self._request("GET", path, params=params))


_DECODERS: dict[Any, msgspec.json.Decoder[Any]] = {}


def _decoder(model: Any) -> msgspec.json.Decoder[Any]:
    """One decoder per wire model (msgspec reads its type hints once)."""
    decoder = _DECODERS.get(model)
    if decoder is None:
        decoder = _DECODERS[model] = msgspec.json.Decoder(model)
    return decoder


def _name(model: Any) -> str:
    """A model by its name, `Page[ConversationItem]` as written."""
    args = typing.get_args(model)
    if not args:
        return str(getattr(model, "__name__", model))
    return f"{_name(typing.get_origin(model))}[{', '.join(map(_name, args))}]"


def _bad_response(resp: httpx.Response, why: str) -> ApiError:
    req = resp.request
    return ApiError(
        resp.status_code, "bad_response", f"the answer to {req.method} {req.url.path} {why}"
    )
