"""Hand-written reference data the demo generator draws from: occupations, countries, names.

Every SOC code here is checked against the packaged SOC 2018 taxonomy by the tests.
"""

from __future__ import annotations

from dataclasses import dataclass

from community_node.participants.models import LanguageLevel, StatusCategory

L = LanguageLevel


@dataclass(frozen=True)
class Field:
    """An occupation newcomers commonly bring, with what a realistic profile needs."""

    code: str
    weight: int  # relative share of connectees
    education: str
    regulated: bool  # needs a licence or credential recognition to practise
    sector: str
    skills: tuple[str, ...]
    titles: tuple[str, ...]  # connectors' job titles
    mentors: tuple[str, ...] = ()  # other codes whose connectors suit this field


_HEALTH = "Health care"
_TECH = "Information technology"
_ENG = "Engineering and construction"
_FIN = "Finance and accounting"
_BIZ = "Business and management"
_EDU = "Education"
_TRADES = "Skilled trades"
_PUBLIC = "Legal and social services"
_SCI = "Science and research"

# The tables below are laid out by hand, one field's facts per line group.
# fmt: off
FIELDS: tuple[Field, ...] = (
    Field(
        "29-1141", 12, "Nursing", True, _HEALTH,
        ("patient assessment", "medication administration", "wound care", "IV therapy",
         "electronic health records", "triage", "care planning", "infection control"),
        ("Registered Nurse", "Charge Nurse", "Clinical Nurse Educator", "Nurse Manager"),
        ("29-1171", "11-9111", "29-2061"),
    ),
    Field(
        "29-1215", 4, "Medicine", True, _HEALTH,
        ("clinical diagnosis", "chronic disease management", "preventive care",
         "patient counselling", "USMLE preparation", "Epic EHR"),
        ("Family Physician", "Medical Director", "Primary Care Physician"),
        ("29-1229", "29-1216", "29-1071", "11-9111"),
    ),
    Field(
        "29-1229", 3, "Medicine", True, _HEALTH,
        ("internal medicine", "clinical research", "hospital rounds", "differential diagnosis",
         "medical licensing exams", "patient safety"),
        ("Hospitalist", "Attending Physician", "Clinical Research Physician"),
        ("29-1215", "29-1216", "19-1042"),
    ),
    Field(
        "29-1051", 4, "Pharmacy", True, _HEALTH,
        ("dispensing", "medication therapy management", "drug interactions",
         "compounding", "immunizations", "pharmacy law"),
        ("Staff Pharmacist", "Clinical Pharmacist", "Pharmacy Manager"),
        ("29-2052", "11-9111"),
    ),
    Field(
        "29-1021", 2, "Dentistry", True, _HEALTH,
        ("restorative dentistry", "endodontics", "oral surgery", "patient education",
         "dental radiography"),
        ("Dentist", "Associate Dentist", "Clinical Director"),
        ("29-1292",),
    ),
    Field(
        "29-1123", 2, "Physiotherapy", True, _HEALTH,
        ("manual therapy", "rehabilitation planning", "musculoskeletal assessment",
         "exercise prescription", "sports injuries"),
        ("Physical Therapist", "Rehabilitation Manager"),
        ("29-1127", "11-9111"),
    ),
    Field(
        "29-2061", 3, "Practical nursing", True, _HEALTH,
        ("vital signs", "medication administration", "long-term care", "patient hygiene",
         "charting"),
        ("Licensed Practical Nurse", "LPN Team Lead"),
        ("29-1141", "31-1131"),
    ),
    Field(
        "29-2034", 2, "Medical imaging", True, _HEALTH,
        ("X-ray imaging", "CT scanning", "radiation safety", "patient positioning", "PACS"),
        ("Radiologic Technologist", "Imaging Supervisor"),
        ("29-2010",),
    ),
    Field(
        "15-1252", 10, "Computer science", False, _TECH,
        ("Python", "Java", "JavaScript", "SQL", "REST APIs", "cloud (AWS)", "agile",
         "unit testing", "React", "C#"),
        ("Software Engineer", "Senior Software Developer", "Engineering Manager",
         "Tech Lead"),
        ("15-1211", "11-3021", "15-1254", "15-1253"),
    ),
    Field(
        "15-1211", 3, "Information systems", False, _TECH,
        ("requirements analysis", "business process modelling", "SQL", "ERP systems",
         "systems integration"),
        ("Systems Analyst", "Business Systems Analyst", "IT Consultant"),
        ("15-1252", "11-3021", "13-1111"),
    ),
    Field(
        "15-1244", 3, "Computer networking", False, _TECH,
        ("Cisco networking", "Linux administration", "Windows Server", "Active Directory",
         "network security", "virtualization"),
        ("Network Administrator", "Systems Administrator", "IT Infrastructure Lead"),
        ("15-1212", "11-3021"),
    ),
    Field(
        "15-2051", 3, "Statistics", False, _TECH,
        ("machine learning", "Python", "R", "statistical modelling", "data visualization",
         "SQL", "experiment design"),
        ("Data Scientist", "Senior Data Analyst", "Analytics Manager"),
        ("15-1252", "15-1221", "13-1161"),
    ),
    Field(
        "15-1212", 2, "Cybersecurity", False, _TECH,
        ("incident response", "SIEM", "vulnerability assessment", "ISO 27001",
         "penetration testing"),
        ("Security Analyst", "Information Security Manager"),
        ("15-1244", "11-3021"),
    ),
    Field(
        "15-1254", 2, "Web design", False, _TECH,
        ("HTML/CSS", "JavaScript", "WordPress", "accessibility (WCAG)", "UX design"),
        ("Web Developer", "Front-End Developer"),
        ("15-1252", "15-1255"),
    ),
    Field(
        "17-2051", 6, "Civil engineering", True, _ENG,
        ("structural analysis", "AutoCAD", "project estimation", "site supervision",
         "geotechnical design", "building codes", "Civil 3D"),
        ("Civil Engineer", "Project Engineer", "Structural Engineer", "Principal Engineer"),
        ("17-3022", "11-9041", "17-2199"),
    ),
    Field(
        "17-2141", 4, "Mechanical engineering", True, _ENG,
        ("SolidWorks", "HVAC design", "thermodynamics", "manufacturing processes",
         "finite element analysis"),
        ("Mechanical Engineer", "Design Engineer", "Engineering Manager"),
        ("17-2112", "11-9041", "17-2199"),
    ),
    Field(
        "17-2071", 3, "Electrical engineering", True, _ENG,
        ("power systems", "PLC programming", "circuit design", "AutoCAD Electrical",
         "substation design"),
        ("Electrical Engineer", "Controls Engineer", "Power Systems Engineer"),
        ("17-2072", "11-9041", "17-2199"),
    ),
    Field(
        "17-2112", 2, "Industrial engineering", True, _ENG,
        ("lean manufacturing", "Six Sigma", "process improvement", "supply chain",
         "time studies"),
        ("Industrial Engineer", "Operations Engineer", "Continuous Improvement Lead"),
        ("17-2141", "11-9041", "13-1082"),
    ),
    Field(
        "17-1011", 2, "Architecture", True, _ENG,
        ("Revit", "AutoCAD", "architectural design", "building codes", "3D rendering"),
        ("Architect", "Project Architect", "Design Principal"),
        ("17-2051", "11-9041"),
    ),
    Field(
        "13-2011", 7, "Accounting", True, _FIN,
        ("financial reporting", "IFRS", "GAAP", "auditing", "tax preparation",
         "QuickBooks", "Excel", "reconciliation"),
        ("Staff Accountant", "Senior Auditor", "Controller", "Accounting Manager"),
        ("11-3031", "13-2051", "43-3031"),
    ),
    Field(
        "13-2051", 3, "Finance", False, _FIN,
        ("financial modelling", "valuation", "Excel", "Bloomberg", "risk analysis",
         "budgeting"),
        ("Financial Analyst", "Investment Analyst", "FP&A Manager"),
        ("11-3031", "13-2011", "13-2054"),
    ),
    Field(
        "13-1111", 2, "Business administration", False, _BIZ,
        ("process improvement", "stakeholder management", "business analysis",
         "change management", "Excel"),
        ("Management Consultant", "Business Analyst", "Strategy Manager"),
        ("13-1082", "11-1021"),
    ),
    Field(
        "13-1071", 2, "Human resources", False, _BIZ,
        ("recruitment", "onboarding", "HRIS", "employee relations", "payroll"),
        ("HR Generalist", "Talent Acquisition Specialist", "HR Manager"),
        ("11-3121",),
    ),
    Field(
        "13-1082", 2, "Project management", False, _BIZ,
        ("PMP", "scheduling", "MS Project", "risk management", "budget control", "agile"),
        ("Project Manager", "Program Manager", "PMO Lead"),
        ("13-1111", "11-9041"),
    ),
    Field(
        "25-2021", 4, "Education", True, _EDU,
        ("lesson planning", "classroom management", "differentiated instruction",
         "student assessment", "parent communication"),
        ("Elementary Teacher", "Vice-Principal", "Grade 3 Teacher"),
        ("25-2031", "11-9032", "25-9031"),
    ),
    Field(
        "25-2031", 3, "Education", True, _EDU,
        ("mathematics teaching", "science teaching", "curriculum design",
         "student assessment", "classroom management"),
        ("High School Teacher", "Department Head", "Mathematics Teacher"),
        ("25-2021", "11-9032", "25-9031"),
    ),
    Field(
        "25-3011", 2, "Linguistics", False, _EDU,
        ("ESL instruction", "adult learning", "curriculum design", "CELTA",
         "language assessment"),
        ("ESL Instructor", "Adult Education Coordinator"),
        ("25-9031",),
    ),
    Field(
        "47-2111", 3, "Electrical trades", True, _TRADES,
        ("residential wiring", "commercial installations", "electrical code",
         "troubleshooting", "conduit bending", "blueprint reading"),
        ("Journeyman Electrician", "Master Electrician", "Electrical Foreman"),
        ("47-1011", "49-9071"),
    ),
    Field(
        "51-4121", 2, "Welding", True, _TRADES,
        ("MIG welding", "TIG welding", "blueprint reading", "metal fabrication",
         "welding inspection"),
        ("Welder-Fabricator", "Welding Supervisor"),
        ("47-1011", "49-9071"),
    ),
    Field(
        "27-3091", 2, "Translation", False, _PUBLIC,
        ("consecutive interpreting", "document translation", "medical terminology",
         "legal terminology", "CAT tools"),
        ("Court Interpreter", "Medical Interpreter", "Translation Project Manager"),
        ("25-3011",),
    ),
    Field(
        "23-1011", 2, "Law", True, _PUBLIC,
        ("legal research", "contract drafting", "immigration law", "litigation support",
         "compliance"),
        ("Associate Lawyer", "Corporate Counsel", "Partner"),
        ("23-2011",),
    ),
    Field(
        "21-1021", 2, "Social work", True, _PUBLIC,
        ("case management", "crisis intervention", "family counselling",
         "child protection", "community outreach"),
        ("Social Worker", "Case Manager", "Program Supervisor"),
        ("21-1022", "21-1093"),
    ),
    Field(
        "19-2031", 2, "Chemistry", False, _SCI,
        ("HPLC", "GC-MS", "quality control", "laboratory safety", "method validation"),
        ("Analytical Chemist", "QC Laboratory Supervisor"),
        ("19-1042", "19-4031"),
    ),
)

#: Connector-only codes get these titles (they are mentors' fields, not newcomers' targets).
MENTOR_TITLES: dict[str, tuple[str, ...]] = {
    "29-1171": ("Nurse Practitioner",),
    "11-9111": ("Director of Nursing", "Clinic Manager", "Health Services Manager"),
    "29-1216": ("Internist",),
    "29-1071": ("Physician Assistant",),
    "19-1042": ("Research Scientist",),
    "29-2052": ("Pharmacy Technician Supervisor",),
    "29-1292": ("Dental Hygienist",),
    "29-1127": ("Speech-Language Pathologist",),
    "29-2010": ("Clinical Laboratory Technologist",),
    "31-1131": ("Nursing Assistant Supervisor",),
    "11-3021": ("IT Director", "CTO"),
    "15-1253": ("QA Lead",),
    "15-1221": ("Research Scientist",),
    "15-1255": ("UX Designer",),
    "13-1161": ("Marketing Analytics Manager",),
    "17-3022": ("Civil Engineering Technologist",),
    "11-9041": ("Director of Engineering", "Engineering Manager"),
    "17-2199": ("Project Engineer",),
    "17-2072": ("Electronics Engineer",),
    "11-3031": ("Finance Director", "CFO"),
    "43-3031": ("Accounting Supervisor",),
    "13-2054": ("Risk Manager",),
    "11-1021": ("General Manager", "Operations Director"),
    "11-3121": ("HR Director",),
    "11-9032": ("School Principal",),
    "25-9031": ("Instructional Coordinator",),
    "47-1011": ("Construction Superintendent",),
    "49-9071": ("Facilities Maintenance Manager",),
    "23-2011": ("Senior Paralegal",),
    "21-1022": ("Hospital Social Worker",),
    "21-1093": ("Social Services Coordinator",),
    "19-4031": ("Laboratory Technician Lead",),
}

#: Jobs newcomers often hold while they look for work in their field.
SURVIVAL_JOBS = (
    "35-2014", "41-2031", "31-1131", "37-2011", "53-7062", "35-3031", "53-3054",
    "43-9061", "35-2021", "43-4051", "39-9011", "53-3032",
)

EMPLOYERS: dict[str, tuple[str, ...]] = {
    _HEALTH: ("Riverside General Hospital", "Northgate Community Health Centre",
              "St. Brendan's Medical Group", "Lakeview Family Clinic",
              "Harbour Regional Health", "Maple Grove Long-Term Care"),
    _TECH: ("Brightwave Software", "Northstar Analytics", "Harbourline Systems",
            "Civic Digital Services", "Tidewater Data", "Pinecrest Labs"),
    _ENG: ("Coastal Engineering Partners", "Ridgeway Construction", "Metro Transit Authority",
           "Bluewater Infrastructure", "Granite & Steel Consulting"),
    _FIN: ("First Harbour Credit Union", "Mercer & Vance CPAs", "Keystone Bank",
           "Lighthouse Insurance", "City Finance Department"),
    _BIZ: ("Chamber of Commerce", "Orchard Logistics", "Summit Retail Group",
           "Harbour Port Authority", "Evergreen Consulting"),
    _EDU: ("Riverside School District", "Harbour Community College",
           "Northgate Adult Learning Centre", "St. Anne's Academy"),
    _TRADES: ("IBEW Local 625", "Hartley Electrical Contractors", "Steelworks Fabrication",
              "Harbour Shipyards", "Metro Facilities Services"),
    _PUBLIC: ("Legal Aid Society", "Family Services Association", "City Court Services",
              "Welcome Centre for Immigrants", "Carter & Osei LLP"),
    _SCI: ("Atlantic Biolabs", "Provincial Food Safety Lab", "Harbour University",
           "ClearWater Testing"),
}


@dataclass(frozen=True)
class Origin:
    """A country newcomers come from, and how profiles from it tend to look."""

    country: str
    weight: int
    native: tuple[str, ...]  # ISO 639 codes; the first is the mother tongue
    other: tuple[tuple[str, float], ...]  # further languages and how often they are spoken
    english: tuple[LanguageLevel, ...]  # English levels to draw from
    status: tuple[StatusCategory, ...]  # immigration status categories to draw from
    names: str  # a Faker locale, or a key of ROMANIZED_NAMES


_R, _A, _P, _T = (
    StatusCategory.REFUGEE,
    StatusCategory.ASYLUM_SEEKER,
    StatusCategory.PERMANENT_RESIDENT,
    StatusCategory.TEMPORARY_RESIDENT,
)

ORIGINS: tuple[Origin, ...] = (
    Origin("SY", 14, ("ara",), (("fra", 0.1), ("tur", 0.1)), (L.A2, L.B1, L.B1, L.B2, L.C1),
           (_R, _R, _R, _P), "ar"),
    Origin("UA", 12, ("ukr",), (("rus", 0.6), ("pol", 0.1)), (L.A2, L.B1, L.B2, L.B2, L.C1),
           (_T, _T, _P), "uk"),
    Origin("AF", 9, ("prs",), (("pus", 0.5), ("urd", 0.15)), (L.A2, L.B1, L.B2, L.B2, L.C1),
           (_R, _R, _A), "af"),
    Origin("IN", 10, ("hin",), (("pan", 0.2), ("tam", 0.15)), (L.B2, L.C1, L.C1, L.C2),
           (_P, _P, _T), "en_IN"),
    Origin("PH", 8, ("tgl",), (("ceb", 0.2),), (L.B2, L.C1, L.C1, L.C2), (_P, _P, _T), "ph"),
    Origin("NG", 7, ("yor",), (("hau", 0.1), ("ibo", 0.1)), (L.C1, L.C2, L.C2), (_P, _P, _T),
           "yo_NG"),
    Origin("CO", 6, ("spa",), (("fra", 0.05),), (L.A2, L.B1, L.B2, L.C1), (_A, _P, _R),
           "es_CO"),
    Origin("VE", 6, ("spa",), (("por", 0.05),), (L.A2, L.B1, L.B2, L.C1), (_A, _A, _P),
           "es_CO"),
    Origin("ER", 5, ("tir",), (("ara", 0.3), ("amh", 0.4)), (L.A2, L.B1, L.B1, L.B2),
           (_R, _R, _R), "er"),
    Origin("IR", 7, ("fas",), (("tur", 0.1), ("fra", 0.05)), (L.B1, L.B2, L.C1, L.C1),
           (_P, _R, _A), "ir"),
    Origin("CN", 7, ("zho",), (("yue", 0.15),), (L.B1, L.B2, L.B2, L.C1), (_P, _P, _T),
           "zh_CN"),
    Origin("BR", 5, ("por",), (("spa", 0.3),), (L.B1, L.B2, L.C1, L.C1), (_P, _T), "pt_BR"),
    Origin("PK", 4, ("urd",), (("pan", 0.4),), (L.B2, L.C1, L.C1, L.C2), (_P, _P, _A), "en_PK"),
    Origin("VN", 3, ("vie",), (), (L.A2, L.B1, L.B2, L.C1), (_P, _P), "vi_VN"),
)

#: Latin-script names for origins whose Faker locale writes names in another script
#: (intake forms in North America record names in Latin letters).
ROMANIZED_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "ar": (
        ("Ahmad", "Mohammad", "Omar", "Khaled", "Yousef", "Hassan", "Rami", "Samer", "Tarek",
         "Bassel", "Fadi", "Nour", "Rania", "Lina", "Hala", "Dima", "Reem", "Yara", "Maya",
         "Layla", "Salma", "Amal", "Rasha", "Huda", "Ghada", "Zein", "Majd", "Tala", "Aya"),
        ("Al-Hassan", "Haddad", "Khoury", "Al-Ahmad", "Darwish", "Saleh", "Hamdan", "Nasser",
         "Aziz", "Mansour", "Al-Khatib", "Shami", "Halabi", "Kassab", "Jaber", "Ibrahim",
         "Youssef", "Suleiman", "Qasim", "Othman", "Barakat", "Atassi", "Zaher", "Nahhas"),
    ),
    "uk": (
        ("Olena", "Oksana", "Iryna", "Nataliia", "Tetiana", "Yuliia", "Kateryna", "Anastasiia",
         "Viktoriia", "Svitlana", "Mariia", "Halyna", "Andrii", "Oleksandr", "Dmytro",
         "Serhii", "Mykola", "Volodymyr", "Yurii", "Taras", "Bohdan", "Vasyl", "Ihor", "Oleh",
         "Maksym"),
        ("Shevchenko", "Kovalenko", "Bondarenko", "Tkachenko", "Kravchenko", "Melnyk",
         "Boiko", "Kovalchuk", "Oliinyk", "Shevchuk", "Polishchuk", "Lysenko", "Moroz",
         "Savchenko", "Rudenko", "Marchenko", "Petrenko", "Klymenko", "Pavlenko", "Hnatiuk",
         "Zinchenko", "Ponomarenko"),
    ),
    "af": (
        ("Ahmad", "Farid", "Habib", "Jawad", "Karim", "Mustafa", "Nasir", "Rahim", "Sayed",
         "Wahid", "Hamid", "Fatima", "Freshta", "Laila", "Mariam", "Nargis", "Parwana",
         "Shabnam", "Sima", "Tahmina", "Zahra", "Mursal", "Roya", "Khalida"),
        ("Ahmadi", "Rahimi", "Karimi", "Hakimi", "Noori", "Sultani", "Popal", "Wardak",
         "Stanikzai", "Safi", "Amiri", "Hashimi", "Mohammadi", "Azizi", "Naseri", "Haidari",
         "Durrani", "Yousufzai", "Sadat"),
    ),
    "ir": (
        ("Ali", "Reza", "Amir", "Mehdi", "Hossein", "Saeed", "Babak", "Kaveh", "Arash",
         "Dariush", "Navid", "Pouya", "Maryam", "Sara", "Neda", "Shirin", "Parisa", "Leila",
         "Narges", "Azadeh", "Mahsa", "Setareh", "Golnaz", "Niloufar", "Yasaman"),
        ("Hosseini", "Mohammadi", "Tehrani", "Shirazi", "Jafari", "Moradi", "Sadeghi",
         "Rostami", "Farahani", "Kazemi", "Ghorbani", "Bahrami", "Esfahani", "Najafi",
         "Rezaei", "Soltani", "Zand"),
    ),
    "er": (
        ("Yonas", "Daniel", "Samuel", "Tesfay", "Mehari", "Kidane", "Berhane", "Filmon",
         "Habtom", "Mussie", "Selam", "Helen", "Saba", "Senait", "Rahel", "Luwam", "Yordanos",
         "Feven", "Mebrat", "Winta", "Eden", "Hiwet"),
        ("Tesfamariam", "Ghebremedhin", "Haile", "Woldemichael", "Tekle", "Berhe", "Asfaha",
         "Gebremariam", "Habte", "Yohannes", "Abraha", "Okbazghi", "Negash", "Fessehaye",
         "Andemariam", "Tewolde"),
    ),
    "ph": (
        ("Maria", "Jose", "Mark", "John Paul", "Angelica", "Kristine", "Joanna", "Rhea",
         "Jerome", "Carlo", "Rommel", "Jayson", "Lea", "Marites", "Rowena", "Mylene", "Joel",
         "Arnel", "Camille", "Patricia", "Ramon"),
        ("Santos", "Reyes", "Cruz", "Bautista", "Ocampo", "Garcia", "Mendoza", "Torres",
         "Andrada", "Castillo", "Flores", "Villanueva", "Ramos", "Aquino", "Navarro",
         "Salazar", "Dela Cruz", "De Leon", "Mercado", "Manalo", "Pascual"),
    ),
}

#: Languages some local connectors speak besides English (many were newcomers once).
CONNECTOR_LANGUAGES = ("spa", "ara", "fra", "zho", "hin", "ukr", "fas", "por", "tgl", "vie", "urd")

REFERRAL_SECTORS = {f.code: f.sector for f in FIELDS}

NOTES = (
    "Prefers in-person meetings near downtown.",
    "Available after 4 pm on weekdays.",
    "Interested in hospital settings.",
    "Asked about credential recognition steps.",
    "Attended the orientation session.",
    None,
)
# fmt: on
