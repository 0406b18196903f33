"""Near-duplicate clustering and entity linking."""

import random

import numpy as np

from kinward.engines.textwatch.cluster import (
    broker_groups,
    entity_components,
    estimated_jaccard,
    minhash_signatures,
    near_duplicate_clusters,
)
from kinward.engines.textwatch.normalize import skeleton

TEMPLATE = "Bayi {s} {n} minggu, sehat, kulit putih. Mahar {p}jt nego. Serius japri WA 0812 {x}"
OTHER = [
    "Jual stroller bekas pakai, kondisi mulus, lengkap kelambu, ambil di Depok",
    "Котята в добрые руки, к лотку приучены, звоните вечером",
    "宝宝三个月了，晚上总是醒好几次，大家有什么好办法吗",
    "Looking for a nanny three days a week for our toddler, references needed",
]


def _shingles(text):
    s = skeleton(text)
    return {s[i : i + 4] for i in range(len(s) - 3)}


def test_reposts_of_one_template_share_a_cluster_and_other_posts_do_not():
    rng = random.Random(1)
    reposts = [
        TEMPLATE.format(s=rng.choice(["cowok", "cewek"]), n=rng.randint(1, 4), p=rng.randint(10, 30),
                        x=rng.randint(1000, 9999)) + rng.choice(["", " 🙏", " !!"])
        for _ in range(6)
    ]  # fmt: skip
    ids = near_duplicate_clusters(reposts + OTHER, threshold=0.5)
    assert len(set(ids[:6])) == 1
    assert len(set(ids[6:])) == len(OTHER)
    assert ids[0] not in set(ids[6:])


def test_minhash_estimates_jaccard_similarity():
    a = "adopsi bayi tanpa ribet, dokumen kami urus, khusus pasangan yang lama menanti"
    b = "adopsi bayi tanpa ribet, surat kami urus, untuk pasangan yang sudah lama menanti"
    sa, sb = _shingles(a), _shingles(b)
    true = len(sa & sb) / len(sa | sb)
    sig = minhash_signatures([a, b], num_bins=256)
    assert abs(float(estimated_jaccard(sig[0], sig[1])) - true) < 0.12


def test_posts_too_short_to_shingle_stay_alone():
    ids = near_duplicate_clusters(["ok", "ok", "hi"])
    assert len(set(ids)) == 3


def test_entity_components_link_posts_through_shared_identifiers():
    comp = entity_components([["+6281", "a"], ["b"], ["a", "c"], ["c"], []])
    assert comp[0] == comp[2] == comp[3]
    assert len({comp[0], comp[1], comp[4]}) == 3


def test_broker_groups_join_text_and_identifier_links():
    texts = [OTHER[0], OTHER[0] + " !", OTHER[1], OTHER[2]]
    groups = broker_groups(texts, [["x"], [], ["x"], []])
    assert groups[0] == groups[1] == groups[2]
    assert groups[3] != groups[0]
    assert isinstance(groups, np.ndarray)
