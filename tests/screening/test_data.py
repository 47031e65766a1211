"""Reading ASReview's labelled CSV, exact-duplicate groups and the TF-IDF features."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sysreview.errors import InputError
from sysreview.screening import (
    FEATURES,
    ScreeningData,
    SentenceEmbeddings,
    TfidfFeatures,
    duplicate_groups,
    make_features,
    read_labelled_csv,
)
from tests.screening._strategies import SCREENING_SETS, benchmark


def test_reads_a_benchmark_set() -> None:
    """Cohen_2006_Antihistamines: 310 records, 16 final includes, 33 without abstract (SOURCE.md: 277 with one)."""
    data = read_labelled_csv(benchmark(SCREENING_SETS / "Cohen_2006_Antihistamines.csv.gz"))
    assert len(data) == 310
    assert data.labels is not None
    assert int(data.labels.sum()) == 16
    assert sum(1 for a in data.abstracts if a.strip()) == 277
    assert len(data.authors) == 310


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "set.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_alias_label_column_and_missing_text(tmp_path: Path) -> None:
    data = read_labelled_csv(_write(tmp_path, "Title,Abstract,included\nA trial,,1\n,Only an abstract,0.0\n"))
    assert data.titles == ("A trial", "")
    assert data.abstracts == ("", "Only an abstract")
    assert data.labels is not None
    assert data.labels.tolist() == [1, 0]
    assert data.authors == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("title,label_included\nx,1\n", "missing column 'abstract'"),
        ("title,abstract\nx,y\n", "missing label column; expected one of: label_included, included, label"),
        ("title,abstract,label_included\nx,y,1\nx,y,maybe\n", "row 3: column 'label_included': label must be 0 or 1"),
        ("title,abstract,label_included\nx,y,\n", "row 2: column 'label_included'"),
    ],
)
def test_input_errors_name_file_row_and_column(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(InputError, match=message) as err:
        read_labelled_csv(path)
    assert err.value.file == str(path)


def test_missing_file() -> None:
    with pytest.raises(InputError, match="no such file"):
        read_labelled_csv("/nonexistent/set.csv")


def test_duplicate_groups() -> None:
    data = ScreeningData.from_texts(
        ["A Trial.", "a trial", "Other", "", "", "a trial"],
        ["Some  text", "some text!", "x", "", "", "different"],
    )
    # rows 0 and 1 differ only in case, punctuation and spaces; empty records are never grouped
    assert duplicate_groups(data).tolist() == [0, 0, 2, 3, 4, 5]


def test_screening_data_checks_lengths() -> None:
    with pytest.raises(InputError, match="2 abstracts for 1 titles"):
        ScreeningData(titles=("a",), abstracts=("b", "c"))
    with pytest.raises(InputError, match="1 labels for 2 records"):
        ScreeningData.from_texts(["a", "b"], ["", ""], [1])
    with pytest.raises(InputError, match="labels must be 0 or 1"):
        ScreeningData.from_texts(["a"], [""], [2])


def test_tfidf_features() -> None:
    data = ScreeningData.from_texts(["heart failure", "heart attack", "kidney failure"], ["", "", ""])
    extractor = TfidfFeatures(min_df=1, max_df=1.0, title_weight=2)
    X = extractor.fit_transform(data)
    vocabulary = extractor.vectorizer_.vocabulary_
    # uni- and bigrams of the title twice over ("heart failure heart failure" has the bigram "failure heart")
    assert {"heart", "failure", "heart failure", "failure heart"} <= set(vocabulary)
    assert X.shape == (3, len(vocabulary))
    np.testing.assert_allclose(np.sqrt(X.multiply(X).sum(axis=1)).A1, 1.0)  # rows are L2-normalised
    # sublinear tf: 'heart' twice in record 0 weighs 1 + log 2 before idf
    row = X[0].toarray().ravel()
    heart, failure = vocabulary["heart"], vocabulary["failure"]
    assert row[heart] == pytest.approx(row[failure])  # same tf (2) and same df (2)


def test_tfidf_keeps_every_term_when_min_df_leaves_none() -> None:
    """Two records share no word: min_df=2 would leave an empty vocabulary; every term is kept instead."""
    X = TfidfFeatures(min_df=2, title_weight=1).fit_transform(ScreeningData.from_texts(["alpha", "beta"], ["", ""]))
    assert X.shape == (2, 2)
    with pytest.raises(InputError, match="no words"):
        TfidfFeatures().fit_transform(ScreeningData.from_texts(["", ""], ["", ""]))


def test_feature_registry_and_optional_embeddings() -> None:
    assert set(FEATURES) == {"tfidf", "embeddings"}
    assert isinstance(make_features("tfidf", title_weight=3), TfidfFeatures)
    with pytest.raises(InputError, match="unknown features 'bow'"):
        make_features("bow")
    embeddings = SentenceEmbeddings(model="/nonexistent/model")
    assert embeddings.get_params() == {"model": "/nonexistent/model", "batch_size": 64}


def test_embeddings_need_the_optional_package_or_a_local_model() -> None:
    """Without sentence-transformers the error says what to install; with it, a missing model fails to load."""
    import importlib.util

    data = ScreeningData.from_texts(["a"], ["b"])
    embeddings = SentenceEmbeddings(model="/nonexistent/model")
    if importlib.util.find_spec("sentence_transformers") is None:
        with pytest.raises(InputError, match="optional package sentence-transformers"):
            embeddings.fit_transform(data)
    else:
        with pytest.raises(Exception, match="nonexistent"):
            embeddings.fit_transform(data)
