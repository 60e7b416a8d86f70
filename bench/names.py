"""Synthetic names, groups and places for the benchmarks: Central Asian, Russian, Caucasian, Belarusian,
Turkish, Uyghur and Arab names in Latin and Cyrillic, with the alias spellings lawyers meet in files.

Only `synth.py` and the write benchmark use this; nothing here touches the database.
"""

import random
from dataclasses import dataclass

# name group: (male given names, female given names, surname roots, surname suffixes, nationality, Cyrillic?)
_GROUPS_RAW: dict[str, tuple[str, str, str, str, str, bool]] = {
    "tajik": (
        "Umarali Sulaymon Muhiddin Jamshed Farrukh Nozim Sherali Faridun Manuchehr Daler Bahrom Parviz "
        "Sukhrob Rustam Abdullo Mahmadali Zayd Izzat Shabnam Saidjafar Khurshed Alijon Firdavs Rahmatullo",
        "Shabnam Gulnora Nigina Tahmina Zarina Mehrangez Parvina Sitora Manzura Nodira Firuza",
        "Kuvvat Kabir Sharif Nazar Rahmon Davlat Said Murod Jalol Mirzo Khudoi Usmon Latif Karim Safar "
        "Nurmahmad Bobo Dustmuhammad Hikmat Qurbon Sodiq Tursun Yusuf Khairullo Nematullo",
        "ov ov ov zoda zoda i ov",
        "TJ",
        True,
    ),
    "uzbek": (
        "Alisher Bakhtiyor Dilshod Shavkat Jahongir Otabek Sanjar Sherzod Bobur Davron Behzod Ulugbek Akmal "
        "Anvar Bakhodir Farhod Khurshid Ilkhom Shokhrukh Muhammad Salijon Agzam Dilmurod Erkin Kamoliddin",
        "Dilnoza Malika Shahnoza Nilufar Gulnoza Feruza Mohira Sevara Kamola Zulfiya Mavluda Umida Yulduz",
        "Tursun Abdulla Karim Rashid Yusup Sodik Ergash Tulkin Mansur Norma Juma Akhmed Ismail Khamid "
        "Salim Mirza Yuldash Zakir Nazar Tash Kholmat Ibragim",
        "ov ov ev ov ov",
        "UZ",
        True,
    ),
    "kazakh": (
        "Yerlan Kairat Azamat Nurlan Daulet Serik Yerkin Mukhtar Aslan Bolat Zhanbolat Ermek Marat Arman",
        "Aigerim Asel Dinara Gulnara Zhanar Saule Aliya Botagoz Aizhan Roza",
        "Ablyaz Zhaksybek Nurpeis Toka Seitkali Abilkhair Zhumabek Baimukhamet Kassym Sarsen Utemis",
        "ov ov uly bekov baev",
        "KZ",
        True,
    ),
    "kyrgyz": (
        "Bakyt Almaz Tilek Kubat Nurbek Azamat Temir Adilet Kanybek Sadyr Omurbek",
        "Aizhan Cholpon Gulzat Aida Nazira Venera",
        "Japar Atambay Tekebay Sadyr Beknazar Osmon Ashyr Toktogul Mamyt",
        "ov ov uulu bekov",
        "KG",
        True,
    ),
    "turkmen": (
        "Murad Serdar Gurbanguly Annamurad Batyr Dovlet Merdan Ruslan Nurmuhammet",
        "Ogulsapar Jeren Gulshat Maya Ogulgerek",
        "Annaberdi Hojamuhammet Kurban Durdy Atajan Berdi Orazgeldi",
        "ov ov yev",
        "TM",
        True,
    ),
    "russian": (
        "Oleg Vladimir Yevgeny Andrei Pyotr Sergei Dmitry Aleksandr Mikhail Ivan Pavel Nikolai Alexei "
        "Boris Igor Konstantin Leonid Yury Vyacheslav Anatoly",
        "Natalya Elena Olga Tatiana Maria Anna Irina Svetlana Yulia Lyudmila Ekaterina Ksenia",
        "Ivan Petr Sidor Smirn Kuznets Pop Vasili Sokol Mikhail Novik Moroz Volk Lebed Semen Yegor Pavl "
        "Kozl Stepan Nikolay Orl Andrey Makar Zakhar Zayts Boris Yakovl Grigori Roman Vorobi Serge",
        "ov ov ev in",
        "RU",
        True,
    ),
    "chechen": (
        "Magomed Zelimkhan Ramzan Akhmed Islam Aslan Ruslan Khasan Adam Tumso Imran Mansur Shamil",
        "Zarema Madina Kheda Malika Aminat Petimat",
        "Umar Dudai Khangoshvili Gairbek Mutsurai Abdurakhman Bagaud Isa Yandarbi Zakai",
        "ov ev",
        "RU",
        True,
    ),
    "belarusian": (
        "Aliaksandr Siarhei Ihar Andrei Pavel Viktar Uladzimir Mikalai Raman Ales Dzmitry Artsiom",
        "Maryia Sviatlana Volha Hanna Tatsiana Iryna Katsiaryna Nasta",
        "Tsikhanousk Latushk Prakopie Bialiatsk Statkevich Losik Kavalk Pratasevich Karnach Shumchank",
        "i i a",
        "BY",
        True,
    ),
    "azerbaijani": (
        "Elvin Rashad Tural Emin Ilgar Anar Orkhan Vugar Ramin Elchin Jamil Afgan Mahammad",
        "Leyla Gunel Aynur Khadija Sevinj Narmin Arzu",
        "Mammad Ali Huseyn Guli Ismayil Rza Abbas Gasim Mukhtar Haji Jafar Hasan Ibrahim",
        "ov li zade ov",
        "AZ",
        True,
    ),
    "turkish": (
        "Mehmet Ahmet Mustafa Hüseyin Hasan Ali Emre Burak Serkan Cengiz Doğan Kemal Orhan Yusuf Ömer "
        "Enes İbrahim Osman Fethullah Selahattin Can",
        "Ayşe Elif Zeynep Gülşen Emine Hatice Fatma Meral Şebnem Sibel",
        "Yılmaz Kaya Demir Şahin Çelik Yıldız Yıldırım Öztürk Aydın Özdemir Arslan Kılıç Aslan Çetin Kara "
        "Koç Kurt Özkan Şimşek Polat Korkmaz Karataş Akhanlı Erdem Güneş Acar Aksoy Uçar Bulut Gülen",
        "",
        "TR",
        False,
    ),
    "uyghur": (
        "Ablimit Memet Abdurehim Ilham Dolkun Abduweli Nurmemet Ekpar Tursun Yusup Adil Omer",
        "Gulbahar Rahile Mihrigul Rushan Zumret Sayragul",
        "Tohti Kadeer Abdulla Isa Haji Ayup Asat Niyaz Kurban Imin Sidiq",
        "",
        "CN",
        False,
    ),
    "arab": (
        "Ahmed Mohamed Hakeem Ali Hassan Sayed Abdulhadi Nabeel Ebrahim Hussain Jawad Khalid Omar Tarek "
        "Mahmoud Abdullah Youssef Salman Mustafa Amr",
        "Fatima Maryam Zainab Nour Aisha Amina Samira Layla Hala Esraa",
        "al-Araibi al-Khawaja Rajab al-Singace Mushaima Hamdan Mansour Haddad Khalil Nasser Saleh Abbas "
        "al-Harbi al-Otaibi al-Qahtani al-Ghamdi el-Sayed Soliman Abdelfattah Ezzat",
        "",
        "BH",
        False,
    ),
}

# Where a group's people come from: the nationality weights within the group.
_ARAB_STATES = (("BH", 4), ("EG", 4), ("SA", 2), ("AE", 1), ("SY", 1))


@dataclass(frozen=True)
class Group:
    key: str
    male: tuple[str, ...]
    female: tuple[str, ...]
    roots: tuple[str, ...]
    suffixes: tuple[str, ...]
    state: str
    cyrillic: bool


GROUPS = {
    key: Group(key, tuple(m.split()), tuple(f.split()), tuple(r.split()), tuple(s.split()) or ("",), st, cy)
    for key, (m, f, r, s, st, cy) in _GROUPS_RAW.items()
}
# How often each name group appears among persons: weighted towards the states that abuse the system most.
GROUP_WEIGHTS = {
    "tajik": 16,
    "russian": 12,
    "uzbek": 12,
    "turkish": 14,
    "kazakh": 8,
    "belarusian": 6,
    "uyghur": 6,
    "azerbaijani": 5,
    "arab": 10,
    "chechen": 5,
    "kyrgyz": 3,
    "turkmen": 3,
}

_TO_CYRILLIC = (
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
    ("dzh", "дж"),
    ("j", "дж"),
    ("a", "а"),
    ("b", "б"),
    ("v", "в"),
    ("g", "г"),
    ("d", "д"),
    ("e", "е"),
    ("z", "з"),
    ("i", "и"),
    ("y", "й"),
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
    ("x", "кс"),
    ("w", "в"),
    ("c", "к"),
)

_TURKISH_FOLD = str.maketrans("çğıİöşüÇĞÖŞÜ", "cgiIosuCGOSU")


def to_cyrillic(word: str) -> str:
    """A rough Russian-style Cyrillic spelling of a romanised name (good enough for synthetic aliases)."""
    lower = word.lower()
    out: list[str] = []
    i = 0
    while i < len(lower):
        for latin, cyr in _TO_CYRILLIC:
            if lower.startswith(latin, i):
                out.append(cyr)
                i += len(latin)
                break
        else:
            out.append(lower[i])
            i += 1
    text = "".join(out)
    return text[:1].upper() + text[1:]


def _respell(word: str, rng: random.Random) -> str:
    """One of the romanisation variants seen in passports and court files."""
    variants = (
        ("kh", "h"),
        ("kh", "x"),
        ("yu", "iu"),
        ("ya", "ia"),
        ("j", "dzh"),
        ("u", "ou"),
        ("ov", "ow"),
        ("ov", "off"),
        ("ev", "yev"),
        ("y", "i"),
        ("sh", "ch"),
        ("zoda", "zade"),
        ("al-", "Al "),
        ("el-", "El-"),
        ("q", "k"),
    )
    lower = word.lower()
    options = [(a, b) for a, b in variants if a in lower]
    doubled = [i for i in range(1, len(word)) if word[i] == word[i - 1]]
    if doubled and rng.random() < 0.5:
        i = rng.choice(doubled)
        return word[:i] + word[i + 1 :]
    if not options:
        return word.translate(_TURKISH_FOLD)
    old, new = rng.choice(options)
    at = lower.index(old)
    replaced = word[:at] + new + word[at + len(old) :]
    return replaced[:1].upper() + replaced[1:]


def _patronymic(father: str, female: bool) -> str:
    ending = "vna" if female else "vich"
    if father[-1] in "iy":
        return father[:-1] + ("e" if father[-2] in "aeiou" else "ie") + ending
    return father + "o" + ending


@dataclass(frozen=True)
class Name:
    name: str
    aliases: list[str]
    sex: str
    nationality: str
    group: str


def person_name(rng: random.Random, group_key: str | None = None) -> Name:
    key = group_key or rng.choices(list(GROUP_WEIGHTS), weights=list(GROUP_WEIGHTS.values()))[0]
    group = GROUPS[key]
    female = rng.random() < 0.22
    given = rng.choice(group.female if female else group.male)
    root = rng.choice(group.roots)
    suffix = rng.choice(group.suffixes)
    if suffix in ("ov", "ev") and root[-1] in "aeiouy":
        suffix = "yev" if root[-1] == "i" else "ev"
    surname = root + suffix
    if female and suffix in ("ov", "ev", "in", "bekov", "baev", "yev"):
        surname += "a"
    parts = [given, surname]
    if key in ("russian", "belarusian") and rng.random() < 0.5:
        father = rng.choice(_GROUPS_RAW["russian"][0].split())
        parts.insert(1, _patronymic(father, female))
    latin = " ".join(parts)
    nationality = group.state
    if key == "arab":
        nationality = rng.choices([s for s, _ in _ARAB_STATES], weights=[w for _, w in _ARAB_STATES])[0]
    aliases: list[str] = []
    cyrillic = " ".join(to_cyrillic(p) for p in parts) if group.cyrillic else None
    # a quarter of the CIS persons are recorded under their Cyrillic name first
    primary = cyrillic if cyrillic and rng.random() < 0.25 else latin
    roll = rng.random()
    count = 0 if roll < 0.4 else 1 if roll < 0.75 else rng.randint(2, 4)
    for _ in range(count):
        kind = rng.random()
        if cyrillic and kind < 0.35:
            candidate = cyrillic if primary != cyrillic else latin
        elif kind < 0.55:
            candidate = " ".join(reversed(parts[-2:])) if len(parts) == 2 else f"{parts[2]} {parts[0]}"
        else:
            candidate = " ".join(_respell(p, rng) if rng.random() < 0.6 else p for p in parts)
        if candidate != primary and candidate not in aliases:
            aliases.append(candidate)
    sex = "unknown" if rng.random() < 0.02 else ("female" if female else "male")
    return Name(primary, aliases, sex, nationality, key)


# ---- groups (affiliations): a few hundred, each tied to the state that targets its members ----------------

_REAL_GROUPS = {
    "TJ": ["Group 24", "Islamic Renaissance Party of Tajikistan", "National Alliance of Tajikistan"],
    "KZ": ["Democratic Choice of Kazakhstan", "Atajurt Volunteers"],
    "UZ": ["Erk", "Birlik", "Human Rights Society of Uzbekistan"],
    "RU": ["Open Russia", "Anti-Corruption Foundation"],
    "BY": ["Viasna", "Coordination Council"],
    "TR": ["Gülen movement", "Peoples' Democratic Party"],
    "CN": ["World Uyghur Congress", "Uyghur Human Rights Project"],
    "BH": ["Al Wefaq", "Bahrain Institute for Rights and Democracy"],
    "EG": ["April 6 Youth Movement", "Muslim Brotherhood"],
    "AZ": ["Popular Front Party of Azerbaijan", "Musavat"],
}
_COUNTRY = {
    "TJ": "Tajikistan",
    "KZ": "Kazakhstan",
    "UZ": "Uzbekistan",
    "RU": "Russia",
    "BY": "Belarus",
    "TR": "Turkey",
    "CN": "East Turkestan",
    "BH": "Bahrain",
    "EG": "Egypt",
    "AZ": "Azerbaijan",
    "KG": "Kyrgyzstan",
    "TM": "Turkmenistan",
    "SA": "Arabia",
    "AE": "the Emirates",
    "SY": "Syria",
}
_PREFIX = (
    "Movement for",
    "Union for",
    "Committee for",
    "Alliance for",
    "Front for",
    "Council for",
    "Congress for",
    "Initiative for",
    "Association for",
    "League for",
)
_NOUN = (
    "Democracy",
    "Renewal",
    "Freedom",
    "Justice",
    "Human Rights",
    "Free Elections",
    "Free Press",
    "Dignity",
    "Rule of Law",
    "Solidarity",
    "Reform",
    "Civil Rights",
)


def affiliation_groups(rng: random.Random, per_state: int = 22) -> dict[str, list[str]]:
    """About `per_state` group names per state: the real ones plus plausible invented ones (~330 in all)."""
    groups: dict[str, list[str]] = {}
    for state, country in _COUNTRY.items():
        names = list(_REAL_GROUPS.get(state, []))
        while len(names) < per_state:
            candidate = f"{rng.choice(_PREFIX)} {rng.choice(_NOUN)} in {country}"
            if candidate not in names:
                names.append(candidate)
        groups[state] = names
    return groups


def spelled_like_a_human(name: str, rng: random.Random) -> str:
    """Affiliations are compared case- and space-insensitively, so vary exactly that."""
    roll = rng.random()
    if roll < 0.08:
        return name.upper()
    if roll < 0.15:
        return name.lower()
    if roll < 0.2:
        return "  " + name.replace(" ", "  ") + " "
    return name


# ---- places -------------------------------------------------------------------------------------------------

CITIES = {
    "TR": ["Istanbul", "Ankara", "Antalya", "Izmir", "Bursa"],
    "UA": ["Kyiv", "Odesa", "Kharkiv", "Lviv"],
    "RU": ["Moscow", "Saint Petersburg", "Yekaterinburg", "Novosibirsk", "Kazan"],
    "DE": ["Berlin", "Dortmund", "Munich", "Frankfurt"],
    "FR": ["Paris", "Nice", "Lyon", "Strasbourg"],
    "PL": ["Warsaw", "Krakow", "Terespol"],
    "ES": ["Madrid", "Barcelona", "Malaga"],
    "IT": ["Rome", "Milan", "Bologna"],
    "CZ": ["Prague", "Brno"],
    "AE": ["Dubai", "Abu Dhabi"],
    "TH": ["Bangkok", "Phuket"],
    "GR": ["Athens", "Thessaloniki"],
    "BG": ["Sofia", "Burgas"],
    "RS": ["Belgrade", "Novi Sad"],
    "ME": ["Podgorica", "Budva"],
    "LT": ["Vilnius", "Kaunas"],
    "LV": ["Riga"],
    "SE": ["Stockholm", "Gothenburg"],
    "NL": ["Amsterdam", "Schiphol"],
    "BE": ["Brussels", "Antwerp"],
    "AT": ["Vienna", "Graz"],
    "KZ": ["Almaty", "Astana"],
    "CY": ["Larnaca", "Nicosia"],
    "GE": ["Tbilisi", "Batumi"],
    "AM": ["Yerevan"],
    "MA": ["Casablanca", "Rabat"],
    "US": ["New York", "Los Angeles", "Miami"],
    "RO": ["Bucharest"],
    "SA": ["Riyadh", "Jeddah"],
    "QA": ["Doha"],
}
