"""Builds a NameIndex of 100,000 synthetic persons and times single searches against it.

Usage: .venv/bin/python bench/match_100k.py [--persons 100000] [--queries 100] [--seed 7]

Prints the build time, the resident memory the index added, p50/p95/p99 of single searches (limit 50 at
threshold 0 and at 0.7, as POST /match asks by default, and limit 1000 at 0.5, as GET /persons?q= asks)
and the time for the 100 queries in a row. Names are
Central Asian, Russian, Turkish and Arabic, in Latin and Cyrillic, with aliases in other spellings.
"""

import argparse
import gc
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.services.matching import Candidate, NameIndex

MALE = [
    "Umarali",
    "Sulaimon",
    "Muhiddin",
    "Mukhtar",
    "Muhammad",
    "Jamshid",
    "Farrukh",
    "Timur",
    "Yerlan",
    "Bakhtiyor",
    "Alisher",
    "Kairat",
    "Azamat",
    "Rashid",
    "Dilshod",
    "Ilkhom",
    "Shokhrukh",
    "Magomed",
    "Nozim",
    "Serik",
    "Elvin",
    "Murat",
    "Akmal",
    "Zelimkhan",
    "Hossein",
    "Ibrahim",
    "Ulugbek",
    "Kamol",
    "Rustam",
    "Anvar",
    "Bakhodir",
    "Daulet",
    "Nurlan",
    "Yerkin",
    "Abdulaziz",
    "Yousef",
    "Memet",
    "Oleg",
    "Vladimir",
    "Yevgeny",
    "Andrei",
    "Petr",
    "Sergei",
    "Dmitry",
    "Aleksandr",
    "Mikhail",
    "Ivan",
    "Pavel",
    "Nikolai",
    "Aziz",
    "Karim",
    "Rahim",
    "Farhod",
    "Khurshid",
    "Jahongir",
    "Ilyas",
    "Yusuf",
    "Ismail",
    "Yakub",
    "Musa",
    "Isa",
    "Umar",
    "Usman",
    "Husein",
    "Hasan",
    "Yahya",
    "Ahmad",
    "Mahmud",
    "Sardor",
    "Otabek",
    "Sanjar",
    "Sherzod",
    "Javlon",
    "Bobur",
    "Davron",
    "Behzod",
    "Firdavs",
    "Mirzo",
    "Zafar",
    "Olim",
    "Sobir",
    "Kodir",
    "Sharif",
    "Latif",
    "Rauf",
    "Nabi",
    "Habib",
    "Hamid",
    "Majid",
    "Said",
    "Salim",
    "Tohir",
    "Komil",
    "Odil",
    "Ravshan",
    "Sukhrob",
    "Rustam",
    "Parviz",
    "Faridun",
    "Daler",
    "Manuchehr",
    "Bahrom",
    "Shavkat",
    "Ergash",
    "Tulkin",
    "Mansur",
    "Mehmet",
    "Ahmet",
    "Mustafa",
    "Hüseyin",
    "Hasan",
    "Ali",
    "Emre",
    "Burak",
    "Serkan",
    "Cengiz",
    "Erdoğan",
    "Doğan",
    "Kemal",
    "Orhan",
    "Yusuf",
    "Ömer",
]
FEMALE = [
    "Gulnara",
    "Nodira",
    "Saida",
    "Asel",
    "Zarina",
    "Aigerim",
    "Natalya",
    "Hanna",
    "Fatima",
    "Khurshida",
    "Madina",
    "Dilnoza",
    "Malika",
    "Shahnoza",
    "Nilufar",
    "Gulnoza",
    "Feruza",
    "Mohira",
    "Sevara",
    "Kamola",
    "Zulfiya",
    "Dilfuza",
    "Mavluda",
    "Munira",
    "Nargiza",
    "Aziza",
    "Lola",
    "Umida",
    "Yulduz",
    "Barno",
    "Hilola",
    "Gulchehra",
    "Mukhabbat",
    "Oygul",
    "Sabina",
    "Elena",
    "Olga",
    "Tatiana",
    "Maria",
    "Anna",
    "Irina",
    "Svetlana",
    "Yulia",
    "Aisha",
    "Maryam",
    "Zainab",
    "Ayşe",
    "Elif",
    "Zeynep",
    "Gülşen",
    "Emine",
    "Hatice",
    "Leyla",
    "Samira",
    "Amina",
    "Layla",
    "Nour",
    "Aliya",
    "Dinara",
    "Aida",
]
SURNAME_SUFFIXES = ("ov", "ov", "ov", "ev", "zoda", "bekov", "baev", "jonov", "kulov", "murodov", "uly", "")
RUSSIAN = [
    "Ivanov",
    "Petrov",
    "Sidorov",
    "Smirnov",
    "Kuznetsov",
    "Popov",
    "Vasiliev",
    "Sokolov",
    "Mikhailov",
    "Novikov",
    "Fyodorov",
    "Morozov",
    "Volkov",
    "Alekseev",
    "Lebedev",
    "Semenov",
    "Egorov",
    "Pavlov",
    "Kozlov",
    "Stepanov",
    "Nikolaev",
    "Orlov",
    "Andreev",
    "Makarov",
    "Nikitin",
    "Zakharov",
    "Zaitsev",
    "Soloviev",
    "Borisov",
    "Yakovlev",
    "Grigoriev",
    "Romanov",
    "Vorobyov",
    "Sergeev",
    "Kuzmin",
    "Frolov",
    "Aleksandrov",
    "Dmitriev",
    "Korolev",
    "Gusev",
    "Kiselev",
    "Ilyin",
    "Maksimov",
    "Polyakov",
    "Sorokin",
    "Vinogradov",
    "Kovalev",
    "Belov",
    "Medvedev",
    "Antonov",
    "Tarasov",
    "Zhukov",
    "Baranov",
    "Filippov",
    "Komarov",
    "Davydov",
    "Belyaev",
    "Gerasimov",
    "Bogdanov",
    "Osipov",
    "Sidorenko",
    "Shchukin",
    "Gnedov",
]
TURKISH = [
    "Yılmaz",
    "Kaya",
    "Demir",
    "Şahin",
    "Çelik",
    "Yıldız",
    "Yıldırım",
    "Öztürk",
    "Aydın",
    "Özdemir",
    "Arslan",
    "Doğan",
    "Kılıç",
    "Aslan",
    "Çetin",
    "Kara",
    "Koç",
    "Kurt",
    "Özkan",
    "Şimşek",
    "Polat",
    "Korkmaz",
    "Karataş",
    "Akhanlı",
    "Erdem",
    "Güneş",
    "Acar",
    "Aksoy",
    "Uçar",
    "Bulut",
]
ARABIC = [
    "al-Araibi",
    "al-Harbi",
    "al-Saeed",
    "al-Rashid",
    "al-Otaibi",
    "al-Qahtani",
    "al-Ghamdi",
    "al-Zahrani",
    "Hamdan",
    "Mansour",
    "Haddad",
    "Khalil",
    "Nasser",
    "Saleh",
    "Abbas",
    "Hassan",
    "Karimi",
    "Rezaei",
    "Hosseini",
    "Mousavi",
    "Ahmadi",
]

_CYRILLIC = (
    ("shch", "щ"),
    ("kh", "х"),
    ("zh", "ж"),
    ("ch", "ч"),
    ("sh", "ш"),
    ("ts", "ц"),
    ("yu", "ю"),
    ("ya", "я"),
    ("yo", "ё"),
    ("ye", "е"),
    ("j", "дж"),
    ("a", "а"),
    ("b", "б"),
    ("v", "в"),
    ("g", "г"),
    ("d", "д"),
    ("e", "е"),
    ("z", "з"),
    ("i", "и"),
    ("y", "ы"),
    ("k", "к"),
    ("l", "л"),
    ("m", "м"),
    ("n", "н"),
    ("o", "о"),
    ("p", "п"),
    ("r", "р"),
    ("s", "с"),
    ("t", "т"),
    ("u", "у"),
    ("f", "ф"),
    ("h", "х"),
    ("q", "к"),
    ("x", "х"),
    ("w", "в"),
    ("c", "к"),
    ("ı", "ы"),
    ("ş", "ш"),
    ("ç", "ч"),
    ("ğ", "г"),
    ("ö", "ё"),
    ("ü", "ю"),
    ("-", "-"),
)


def to_cyrillic(name: str) -> str:
    """A rough Russian-Cyrillic spelling of a Latin name, as a clerk might type it."""
    words = []
    for word in name.split():
        text, out = word.lower(), []
        while text:
            for latin, cyrillic in _CYRILLIC:
                if text.startswith(latin):
                    out.append(cyrillic)
                    text = text[len(latin) :]
                    break
            else:
                text = text[1:]
        spelled = "".join(out)
        words.append(spelled[:1].upper() + spelled[1:])
    return " ".join(words)


def variant(name: str, rng: random.Random) -> str:
    """Another usual Latin spelling: q/k, kh/h/x, doubled letters, y/i, ye/e."""
    swaps = [
        ("kh", "h"),
        ("k", "q"),
        ("kh", "x"),
        ("y", "i"),
        ("ye", "e"),
        ("ov", "ov"),
        ("j", "dzh"),
        ("ll", "l"),
    ]
    for old, new in rng.sample(swaps, 3):
        if old in name.lower():
            name = name.replace(old, new).replace(old.capitalize(), new.capitalize())
            break
    return name


def feminine(surname: str) -> str:
    for masculine, female in (("ov", "ova"), ("ev", "eva"), ("in", "ina"), ("sky", "skaya")):
        if surname.endswith(masculine):
            return surname + female[len(masculine) :]
    return surname


def make_person(number: int, rng: random.Random) -> Candidate:
    is_female = rng.random() < 0.4
    given = rng.choice(FEMALE if is_female else MALE)
    kind = rng.random()
    if kind < 0.55:
        stem = rng.choice(MALE).replace("ü", "u").replace("ö", "o").replace("ğ", "g")
        surname = (stem + rng.choice(SURNAME_SUFFIXES)).capitalize()
    elif kind < 0.8:
        surname = rng.choice(RUSSIAN)
    elif kind < 0.92:
        surname = rng.choice(TURKISH)
    else:
        surname = rng.choice(ARABIC)
    if is_female:
        surname = feminine(surname)
    name = f"{given} {surname}"
    aliases: list[str] = []
    if rng.random() < 0.3:
        father = rng.choice(MALE)
        aliases.append(f"{surname} {given} {father}{'ovna' if is_female else 'ovich'}")
    if rng.random() < 0.5:
        aliases.append(to_cyrillic(name))
    if rng.random() < 0.4:
        aliases.append(variant(f"{surname} {given}", rng))
    birth = str(rng.randint(1940, 2005)) if rng.random() < 0.7 else None
    nationality = rng.choice(("TJ", "UZ", "KZ", "KG", "TM", "RU", "BY", "TR", "CN", "BH", "AZ"))
    return Candidate(f"p{number:06d}", "org-1", (name, *aliases), birth, (nationality,))


def make_queries(persons: list[Candidate], count: int, rng: random.Random) -> list[str]:
    queries = []
    for i in range(count):
        if i % 10 < 7:
            person = rng.choice(persons)
            name = person.names[0]
            choice = rng.random()
            if choice < 0.3:
                name = to_cyrillic(name)
            elif choice < 0.6:
                name = variant(" ".join(reversed(name.split())), rng)
            elif choice < 0.8:
                name = name.upper()
            queries.append(name)
        else:  # someone the index may not hold
            queries.append(f"{rng.choice(MALE)} {rng.choice(RUSSIAN + TURKISH)}")
    return queries


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def time_queries(
    index: NameIndex, queries: list[str], *, threshold: float, limit: int
) -> tuple[list[float], float]:
    latencies = []
    started = time.perf_counter()
    for query in queries:
        t0 = time.perf_counter()
        index.search("org-1", query, threshold=threshold, limit=limit)
        latencies.append((time.perf_counter() - t0) * 1000)
    return latencies, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    persons = [make_person(n, rng) for n in range(args.persons)]
    queries = make_queries(persons, args.queries, rng)
    names = sum(len(p.names) for p in persons)
    gc.collect()
    before = rss_mib()
    index = NameIndex()
    started = time.perf_counter()
    for person in persons:
        index.upsert(person)
    build_s = time.perf_counter() - started
    gc.collect()
    after = rss_mib()
    print(f"persons: {len(index):,}  names incl. aliases: {names:,}")
    print(f"build: {build_s:.1f} s  ({build_s / len(index) * 1e6:.0f} µs per person)")
    print(
        f"memory: +{after - before:.0f} MiB resident for the index and its caches (RSS now {after:.0f} MiB)"
    )

    t0 = time.perf_counter()
    index.search("org-1", "Warm Up")
    print(f"first search (builds the key vocabulary): {(time.perf_counter() - t0) * 1000:.1f} ms")

    # limit 50 at 0 and 0.7 (POST /match's default), and GET /persons?q='s own: 0.5, up to 1000 results
    for threshold, limit in ((0.0, 50), (0.7, 50), (0.5, 1000)):
        latencies, total_s = time_queries(index, queries, threshold=threshold, limit=limit)
        print(
            f"threshold {threshold}, limit {limit}: p50 {percentile(latencies, 0.5):.1f} ms, p95 {percentile(latencies, 0.95):.1f} ms, "
            f"p99 {percentile(latencies, 0.99):.1f} ms, max {max(latencies):.1f} ms, "
            f"mean {statistics.mean(latencies):.1f} ms; {len(queries)} queries in {total_s:.2f} s"
        )
    found = index.search("org-1", queries[0], limit=3)
    print(f"example: {queries[0]!r} -> {[(m.person_id, m.matched_name, m.score) for m in found]}")


if __name__ == "__main__":
    main()
