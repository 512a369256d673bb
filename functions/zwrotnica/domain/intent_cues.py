"""The intent rules' table: one named cue per way Polish customers say a thing.

Patterns run over normalised text (domain.intent.normalise): lower case, no diacritics ("zamowienie"),
stretched letters shrunk, typos in the VOCABULARY words mended. Stems, not whole words, so that every
case and gender matches ("dotarl", "dotarla", "dotarlo"; "zwrocic", "zwroce"). Weights: 3 names the
intent outright ("reklamacja", "odstepuje od umowy", "faktura"), 2-2.5 is a clear phrase, 1-1.5 supports,
0.5 is a hint; negative weights take evidence away.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Cue:
    name: str
    intent: str  # an Intent value
    weight: float
    pattern: re.Pattern[str]


PARCEL = r"(?:paczk\w*|przesylk\w*|zamowien\w*|zamowion\w*|towar\w*|zakup\w*|dostaw\w*|rzecz\w*)"
ARRIVE = (
    r"(?:dotr\w*|dotar\w*|doj\w*|dosz\w*|przyj\w*|przysz\w*|przyjech\w*|przyjad\w*|dojech\w*|"
    r"dostane|dostaniemy|otrzymam|dostarcz\w*|dorecz\w*|bedzie|beda|wysl\w*|wysyl\w*|nad\w*|wyjdzie|"
    r"wyszl\w*|zostanie|kurier\w*|w koncu|odbior\w*|trafi\w*|jedzie|pojedzie|ruszy|u mnie|"
    r"dostaw\w*|wysylk\w*|przesylk\w*|paczk\w*|realizacj\w*|liczyc na)"
)
MONEY = r"(?:pieniadz\w*|pieniedzy|srodk\w*|kas[aeyi]\b|nadplat\w*|zwrot\w* (?:za|platnosc|naleznosc|oplat))"

_RAW: tuple[tuple[str, str, float, str], ...] = (
    # --- where is my parcel ----------------------------------------------------------------------
    (
        "w_where",
        "where_is_parcel",
        2.5,
        rf"\bgdzie\b (?:\w+ ){{0,3}}{PARCEL}|\bgdzie (?:ona|on|to|ono) (?:\w+ )?(?:jest|sa|teraz)|"
        r"\bgdzie (?:sie )?(?:obecnie |teraz )?(?:znajduj|podzial|utknel)|\bgdzie (?:jest|sa) teraz",
    ),
    (
        "w_when",
        "where_is_parcel",
        2.5,
        rf"\b(?:kiedy|do kiedy|jak dlugo|ile jeszcze)\b (?:\w+ ){{0,4}}{ARRIVE}",
    ),
    (
        "w_expect",
        "where_is_parcel",
        2.0,
        r"spodziewac (?:sie )?(?:\w+ )?(?:dostaw|paczk|przesylk|zamowien|kuriera|ich|jej|go)|"
        r"(?:moge|mozna) sie (?:\w+ )?spodziewac|przewidywan\w* (?:termin|dorecz|dostaw|data)|termin dostawy|"
        r"zdazy (?:\w+ )?(?:dojsc|dotrzec|przyjsc|dojechac)|(?:dojdzie|dotrze|przyjdzie) (?:\w+ )?przed|"
        r"czy (?:\w+ ){0,4}(?:dojdzie|dotrze|przyjdzie|dojedzie|przyjedzie|jedzie) (?:\w+ )?"
        r"(?:jutro|dzis|dzisiaj|na czas|w tym tygodniu|przed|do|na)|ile (?:\w+ )?(?:czekac|potrwa|jeszcze)|"
        r"(?:liczyc|czekac) na (?:\w+ )?(?:dostaw|przesylk|paczk)\w*|termin\w* realizacji",
    ),
    (
        "w_not_arrived",
        "where_is_parcel",
        2.0,
        r"\b(?:nie|jeszcze nie|nadal nie|dalej nie|wciaz nie|do tej pory nie|do dzis nie|nic nie|nikt nie)"
        r" (?:\w+ ){0,2}(?:dotarl\w*|doszl\w*|doszed\w*|przyszl\w*|przyszed\w*|przyjech\w*|dojech\w*|"
        r"otrzymal\w*|dostal\w*|mam (?:jeszcze )?(?:paczk|przesylk|zamowien)|ma (?:\w+ )?(?:paczk|przesylk))|"
        r"brak (?:\w+ )?(?:paczki|przesylki|informacji o (?:wysylce|przesylce|paczce|dostawie))|"
        rf"{PARCEL} (?:\w+ ){{0,4}}(?:nie ma|nie bylo)(?= ?[.,!?\n]| jeszcze| nadal| dalej| tam|$)|"
        rf"{PARCEL} (?:\w+ ){{0,4}}(?:nie dotar\w*|nie dosz\w*|nie przysz\w*)|nic nie przyszlo|"
        r"(?:dalej|nadal|wciaz) nic\b|zagin\w*",
    ),
    ("w_waiting", "where_is_parcel", 1.5, r"\b(?:czekam|czekamy|czekalam|czekalem|oczekuje|wyczekuje)\b"),
    (
        "w_status",
        "where_is_parcel",
        2.0,
        rf"\bstatus\w* (?:\w+ )?{PARCEL}|\bstatus\w* (?:wysylki|realizacji)|na jakim etapie|"
        rf"etap\w* realizacji|"
        r"jaki jest status|informacj\w* o (?:\w+ )?(?:statusie|przesylce|wysylce|paczce|dostawie|realizacji)|"
        r"czy (?:\w+ )?wszystko (?:jest )?w porzadku z (?:\w+ )?zamowien|sprawdzi\w* (?:\w+ )?(?:gdzie|co z|"
        r"status)|"
        r"wiadomo (?:cos )?(?:wiecej )?o (?:\w+ )?(?:przesylce|paczce|zamowieniu)|"
        r"co (?:sie )?dzieje z (?:\w+ )?"
        rf"{PARCEL}|co z (?:\w+ )?{PARCEL}|"
        rf"(?:w jakim stanie|jak wyglada|co slychac)\b (?:\w+ ){{0,3}}{PARCEL}|"
        rf"sprawdz\w* (?:\w+ )?{PARCEL}|potwierdz\w* (?:\w+ ){{0,3}}(?:wysylk|wyslan|nadan)\w*",
    ),
    (
        "w_tracking",
        "where_is_parcel",
        2.0,
        r"(?:numer\w*|nr) (?:\w+ )?(?:przesylki|sledzenia|listu przewozowego|nadania|paczki|trackingu|"
        r"tracking)|list\w* przewozow\w*|sledzeni\w*|sledzic|tracking|namierzyc|link do sledzenia",
    ),
    (
        "w_shipped",
        "where_is_parcel",
        2.0,
        r"(?:zostal\w*|juz|jest) (?:\w+ ){0,2}(?:wyslan\w*|nadan\w*|przekazan\w* (?:\w+ )?(?:kurier\w*|"
        r"do wysylk\w*|przewoznik\w*)|w drodze)|(?:juz|czy) (?:\w+ ){0,3}jedzie\b|"
        r"czy (?:\w+ )?(?:paczka|zamowienie|przesylka) (?:\w+ )?(?:wyszl\w*|wyjdzie|poszl\w*|jest w drodze)|"
        r"\bwyjdzie (?:\w+ )?(?:dzis|jutro|jeszcze)|czy (?:juz )?(?:wyszl\w*|poszl\w*)\b|kiedy wysylka",
    ),
    (
        "w_stuck",
        "where_is_parcel",
        1.5,
        r"utknel\w*|stoi (?:\w+ ){0,3}(?:w miejscu|w sortowni|w magazynie|w oddziale)|bez zmian|"
        r"ten sam status|nie rusza|nie aktualizuj\w*|nic nie pokazuje|w sortowni|w oddziale",
    ),
    (
        "w_courier",
        "where_is_parcel",
        1.5,
        r"kurier\w* (?:\w+ ){0,3}(?:nie (?:przyjechal|dotarl|dojechal|byl|przyszedl|zostawil)|mial byc|"
        r"byl blisko|"
        r"przyjedzie|bedzie|przyjdzie)|nowa proba|proba dorecz\w*|wydana do dorecz\w*",
    ),
    (
        "w_locker",
        "where_is_parcel",
        1.5,
        r"(?:paczkomac\w*|paczkomat\w*) (?:\w+ ){0,3}(?:nie ma|brak|nie dotar\w*|nadal|dalej|jej tam nie)|"
        r"(?:w|do) ktorym paczkomac\w*|"
        r"(?:do|w) (?:\w+ )?paczkomat\w* (?:\w+ )?(?:nie ma|nadal|dalej|wczoraj)",
    ),
    (
        "w_late",
        "where_is_parcel",
        1.0,
        r"opozni\w*|mial\w* (?:\w+ )?(?:byc|dotrzec|przyjsc) (?:\w+ ){0,2}(?:wczoraj|dzis|dzisiaj|w piatek|"
        r"w poniedzialek)|minel\w* (?:juz )?(?:tydzien|\w+ dni|\d+ dni)|od (?:\w+ )?(?:dni|tygodni)|"
        r"tydzien temu|tygodnie temu|przesada|\d+ (?:dni|tygodnie|tygodni)|tydzien\b|pilny kontakt",
    ),
    (
        "w_money_not_parcel",
        "where_is_parcel",
        -2.5,
        rf"kiedy (?:\w+ ){{0,3}}(?:dostane|otrzymam|bedzie|beda|zostan\w*|wroca|"
        rf"przyjda) (?:\w+ ){{0,2}}{MONEY}",
    ),
    ("w_parcel_word", "where_is_parcel", 0.5, r"\b(?:paczk|przesylk|kurier|paczkomat|wysylk)\w*"),
    # --- return (withdrawal, odstapienie) ----------------------------------------------------------
    ("r_withdrawal", "return", 3.0, r"odstap\w*|odstepuj\w*|odstepuje"),
    (
        "r_want",
        "return",
        2.5,
        r"(?:chce|chcialabym|chcialbym|chcialam|chcialem|moge|mozna|jak|zamierzam|musze|planuje|"
        r"zdecydowal\w*|prosze o|decyduje sie) (?:\w+ ){0,3}(?:zwroc\w*|odesl\w*|oddac|odsyl\w*|"
        rf"zwrot\w*(?! (?:\w+ )?{MONEY}))",
    ),
    (
        "r_goods_back",
        "return",
        2.0,
        r"zwrot (?:towaru|zamowienia|produktu|rzeczy|butow|paczki|sukienki|kurtki)|zwracam|zwroce|oddaje|"
        r"odsylam|odesle|do zwrotu|zwrot\w* (?:jest )?(?:darmow|bezplatn|platn)",
    ),
    ("r_return_word", "return", 1.0, r"\bzwrot\w*|\bzwroc\w*"),
    ("r_form", "return", 2.0, r"formularz\w* (?:\w+ )?zwrot\w*|etykiet\w* zwrot\w*|instrukcj\w* zwrot\w*"),
    (
        "r_reason",
        "return",
        1.5,
        r"nie pasuj\w*|za (?:mal|duz|ciasn|luzn|krotk|dlug|szerok|wask)\w*|nie podoba|nietrafion\w*|"
        r"rozmysl\w*|nie spelnia (?:\w+ )?oczekiwan|kolor (?:\w+ ){0,2}(?:inny|nie odpowiada)|"
        r"rezygnuje z (?:zakupu|towaru|produktu)|rozmiar\w* (?:\w+ )?nie|(?:kupil|"
        r"zamowil)\w* (?:\w+ )?dwa rozmiary",
    ),
    (
        "r_exchange",
        "return",
        2.0,
        r"wymieni\w* (?:\w+ ){0,3}(?:na )?(?:\w+ )?rozmiar|wymian\w* (?:\w+ )?(?:na )?(?:\w+ )?rozmiar|"
        r"wymieni\w* (?:\w+ ){0,3}na (?:wiekszy|mniejszy|inny)",
    ),
    (
        "r_parcel_back",
        "return",
        2.0,
        r"paczk\w* zwrotn\w*|odeslal\w*|nadal\w* zwrot|zwrot\w* (?:dotarl|"
        r"doszedl)",
    ),
    ("r_unused", "return", 1.0, r"nieuzywan\w*|z metkami|opakowanie (?:\w+ )?zachowan\w*|14 dni"),
    ("r_not", "return", -3.0, r"nie (?:chce|zamierzam|planuje|bede) (?:\w+ ){0,2}(?:zwrac|odsyl|oddaw)"),
    # --- complaint (reklamacja) ----------------------------------------------------------------------
    ("c_explicit", "complaint", 3.0, r"reklamac\w*|reklamuj\w*|reklamowa\w*|reklamuje"),
    (
        "c_law",
        "complaint",
        3.0,
        r"rekojmi\w*|niezgodn\w* z (?:umowa|opisem|zamowieniem)|niezgodnosc\w* (?:towaru )?z umowa",
    ),
    (
        "c_damaged",
        "complaint",
        2.5,
        r"uszkodz\w*|zniszcz\w*|pekniet\w*|pekl\w*|potluczon\w*|stluczon\w*|rozbit\w*|zbit\w*|porysowan\w*|"
        r"wgniec\w*|pogniec\w*|zgniec\w*|zalan\w*|przemoczon\w*|rozdart\w*|podart\w*|dziur\w*|poplamion\w*|"
        r"pobrudzon\w*|polaman\w*|odpryski?",
    ),
    (
        "c_defect",
        "complaint",
        2.5,
        r"nie dziala\w*|przestal\w* (?:\w+ )?(?:dzialac|sie wlaczac|ladowac|grac|swiecic)|nie wlacza|"
        r"nie laduje|nie gra\b|wadliw\w*|\bwad[ayeu]\b|zepsu\w*|popsu\w*|rozklei\w*|rozlazl\w*|"
        r"pusc\w* szw\w*|szw\w* (?:\w+ )?pusc\w*|rozpru\w*|sprul\w*|"
        r"przecieka|przemaka|przegrzewa|spalenizn\w*|iskrzy|usterk\w*|defekt\w*|felern\w*|odpada\w*|"
        r"nic sie nie dzieje|wylacza sie|odpadl\w*|"
        r"nie (?:grzeje|chlodzi|pierze|odpompowuj\w*|wiruje|czyta|laczy|trzyma|zamyka|otwiera|zapina|swieci|"
        r"kreci|ssie|mieli|drukuje|reaguje|dziala prawidlowo|nadaje sie do uzytku)|wyswietla (?:\w+ )?blad|"
        r"\bblad e?\d|dziala zle|zle dziala|szwankuj\w*|buczy|piszczy|trzeszczy|skrzypi|cieknie|kapie|"
        r"smierdzi|zardzewi\w*|rdz[ay]\b|plesn\w*|mechac\w*|sfilcow\w*|zafarbow\w*|farbuj\w*|odbarwi\w*|"
        r"wyblak\w*|skurczy\w*|rozciagn\w*|rozpadl\w*|rozpada\w*|rozsypal\w*|odklei\w*|zerwal\w*|urwal\w*|"
        r"zlamal\w*|zlamany|wygiet\w*|krzyw\w*|rys[ay]\b|skaz[ay]\b|niedorob\w*|fuszerk\w*|bubel|badziew\w*|"
        r"tandet\w*|przeterminowan\w*|po terminie waznosci|w kawalkach|rozwalon\w*",
    ),
    (
        "c_wrong_item",
        "complaint",
        2.5,
        r"zamiast\b|nie ten (?:produkt|model|rozmiar|kolor|towar)|inny model|"
        r"zamowil\w* (?:\w+ ){1,6}(?:a|ale) (?:przyszl\w*|przyszed\w*|dostal\w*|otrzymal\w*)|"
        r"(?:przyszl\w*|przyszed\w*|dostal\w*|wyslaliscie) (?:\w+ ){0,3}(?:niewlasciw\w*|nie (?:ten|ta|to))",
    ),
    (
        "c_missing",
        "complaint",
        2.0,
        r"brak\w* (?:\w+ )?(?:w paczce|w zestawie|elementu|czesci|srub\w*|ladowarki|instrukcji)|"
        r"w (?:paczce|zestawie) (?:\w+ )?brak\w*|niekomplet\w*|brakuje|"
        r"nie bylo (?:\w+ )?w (?:paczce|zestawie)|"
        r"nie ma (?:jednego|jednej|zadnego|zadnej|drugiego|drugiej) \w+",
    ),
    (
        "c_demand",
        "complaint",
        1.5,
        r"zadam\w*|domagam|(?:prosze o|chce) (?:\w+ )?(?:wymiane|naprawe|nowy|nowa|nowe|doslanie)|"
        r"\bnapraw\w*|obnizeni\w* ceny|wymian\w* na now\w*|chce nowy|chce nowa|co (?:teraz|dalej|robic)",
    ),
    ("c_photos", "complaint", 1.0, r"zdjeci\w*|w zalaczniku"),
    (
        "c_not_damaged",
        "complaint",
        -2.5,
        r"(?:bez|nie ma) (?:zadnych )?(?:uszkodzen|wad)|nie (?:jest|byl\w*) (?:\w+ )?(?:uszkodzon|zniszczon)|"
        r"nieuszkodzon\w*|nie (?:chce|zamierzam|bede) (?:\w+ )?reklamow\w*",
    ),
    (
        "c_not_product",
        "complaint",
        -2.5,
        r"(?:link\w*|kod\w*|strona|stronie|aplikacj\w*|sledzeni\w*|logowani\w*|konto|haslo|reset\w*|"
        r"platnos\w*|blik\w*) (?:\w+ ){0,3}nie dziala",
    ),
    # --- other: each names a request the parcel answer does not answer -------------------------------
    (
        "o_invoice",
        "other",
        3.0,
        r"faktur\w*|paragon\w*|\bnip\b|rachun\w*|korekt\w*|dokument\w* sprzedaz\w*|do rozliczeni\w*|"
        r"duplikat\w*",
    ),
    (
        "o_address",
        "other",
        3.0,
        r"(?:zmien\w*|zmian\w*|poprawi\w*|inny|podac inny) (?:\w+ ){0,2}adres\w*|"
        r"adres\w* (?:\w+ ){0,3}(?:bledn\w*|pomyl\w*)|pomylil\w* (?:\w+ ){0,2}(?:numer|adres)|przekierow\w*|"
        r"(?:inny|innego|zmienic|zmiana) (?:\w+ )?(?:paczkomat|punkt)\w*|u sasiad\w*|odbior\w* osobist\w*|"
        r"(?:zly|bledny|niepoprawny|inny) (?:numer telefonu|numer|telefon|adres e ?mail|e ?mail)|"
        r"(?:zmian\w*|zmieni\w*|poprawi\w*) (?:\w+ ){0,2}(?:numer\w* telefonu|telefon\w*|e ?mail\w*|danych)",
    ),
    (
        "o_cancel",
        "other",
        3.0,
        r"anul\w*|rezygnuj\w* z (?:\w+ )?zamowien\w*|zrezygnowa\w* z (?:\w+ )?zamowien\w*|"
        r"wycofa\w* (?:\w+ )?zamowien\w*|nie wysylac|wstrzyma\w* (?:wysylk|zamowien)\w*",
    ),
    (
        "o_payment",
        "other",
        3.0,
        r"(?:platnos\w*|oplat\w*|blik\w*|przelew\w*) (?:\w+ ){0,2}(?:nie (?:udal|przesz|zostal)\w*|"
        r"odrzucon\w*|"
        r"nieudan\w*)|czeka na platnos\w*|(?:pieniadze|srodki) (?:\w+ )?(?:zeszly|pobran\w*)|"
        r"zaplacic (?:\w+ )?(?:przelewem|karta|kurierowi|blikiem|inaczej)|za pobraniem|"
        r"(?:dwa razy|podwojnie) (?:\w+ )?(?:pobral\w*|zaplaci\w*|obciaz\w*)|"
        r"(?:pobran\w*|obciaz\w*|zaplacil\w*) (?:\w+ ){0,3}(?:dwa razy|podwojnie|dwukrotnie)|podwojn\w* "
        r"(?:obciaz|platn|pobran)\w*|nadplat\w*|\braty\b|na raty|kredyt\w*|leasing\w*",
    ),
    (
        "o_refund_status",
        "other",
        3.5,
        rf"(?:kiedy|nadal|dalej|wciaz|jeszcze) (?:\w+ ){{0,4}}{MONEY}|kiedy (?:\w+ )?zwrot\b|"
        r"za zwrocon\w*|po zwrocie",
    ),
    (
        "o_product",
        "other",
        2.0,
        r"dostepn\w*|na stanie|jaki rozmiar|rozmiar\w* (?:\w+ )?polec\w*|polecacie|ma funkcj\w*|"
        r"w kolorze (?:\w+ )?(?:dostep|bedzie)|czy (?:\w+ ){0,3}(?:pasuje do|nadaje sie)",
    ),
    (
        "o_account",
        "other",
        2.5,
        r"\bhasl\w*|logowani\w*|zalogowa\w*|\bkonto\b|newsletter\w*|kod\w* rabat\w*|rabat\w*|kupon\w*|"
        r"promocj\w*",
    ),
    ("o_privacy", "other", 3.0, r"\brodo\b|danych osobowych|usun\w* (?:\w+ )?danych"),
    (
        "o_business",
        "other",
        3.0,
        r"wspolprac\w*|ofert\w* (?:\w+ )?(?:wspolpracy|handlow\w*)|hurtow\w*|agencj\w*|katalog\w*|"
        r"reprezentuj\w*|\bb2b\b|odroczon\w*|sztuk (?:\w+ )?(?:lamp|produkt)|zakupem \d+",
    ),
    ("o_thanks", "other", 0.9, r"\bdziek\w*|wszystko (?:\w+ )?(?:super|ok|w porzadku|doszlo)|polecam"),
    (
        "o_order_change",
        "other",
        3.0,
        r"(?:dodac|dorzucic|zmienic|usunac|domowic) (?:\w+ ){0,4}(?:do zamowien\w*|w zamowien\w*|produkt\w*)|"
        r"zmian\w* w zamowien\w*",
    ),
    (
        "o_delivered_not_received",
        "other",
        3.0,
        r"(?:doreczon\w*|dostarczon\w*|odebran\w*) (?:\w+ ){0,5}(?:nie (?:dostal|otrzymal|mam|odebral)\w*|"
        r"zadnej|nic nie)|(?:nie (?:dostal|otrzymal)\w*) (?:\w+ ){0,5}(?:status\w*|pokazuje) (?:\w+ ){0,3}"
        r"(?:doreczon|dostarczon)\w*|sasiedzi (?:\w+ )?nic",
    ),
    (
        "o_shipping_terms",
        "other",
        2.0,
        r"(?:wysylacie|wysylka|dostawa|dostawe) (?:\w+ ){0,2}(?:za granice|do niemiec|do czech|do \w+ii\b|"
        r"zagranic\w*)|"
        r"ile (?:\w+ )?kosztuje (?:\w+ )?(?:dostawa|wysylka|przesylka)|koszt\w* (?:dostawy|wysylki)|"
        r"darmow\w* dostaw\w*",
    ),
    ("o_warranty_info", "other", 2.0, r"jak dlug\w* (?:\w+ )?gwarancj\w*|okres\w* gwarancj\w*|do gwarancji"),
)

CUES: tuple[Cue, ...] = tuple(Cue(n, i, w, re.compile(p)) for n, i, w, p in _RAW)

# Key words whose typos are mended before the cues run (one letter off, two swapped, one missing).
VOCABULARY = frozenset(
    {
        *("gdzie", "paczka", "paczki", "paczke", "przesylka", "przesylki", "przesylke"),
        *("zamowienie", "zamowienia", "zamowieniu", "zamowilem", "zamowilam", "zamowione", "kiedy"),
        *("dotrze", "dojdzie", "przyjdzie", "dotarla", "dotarlo", "doszla", "doszlo", "dostalam", "dostalem"),
        *("reklamacja", "reklamacje", "reklamacji", "reklamuje", "uszkodzony", "uszkodzona", "uszkodzone"),
        *("zwrocic", "zwrotu", "odeslac", "faktura", "fakture", "faktury", "kurier", "paczkomat"),
        *("paczkomacie", "sledzenie", "status", "wyslane", "wyslana", "nadana", "czekam", "dostawa"),
        *("dostawy", "anulowac", "odstepuje", "dziekuje", "otrzymalam", "otrzymalem"),
    }
)
