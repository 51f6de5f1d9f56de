#include "generator/county_data.h"

#include <array>

namespace hub::generator::data {
namespace {

using sv = std::string_view;

// ----------------------------------------------------------------- names

constexpr sv kHispanicF[] = {"Maria",   "Guadalupe", "Sofia",     "Isabella",  "Camila",
                             "Valeria", "Ximena",    "Daniela",   "Alejandra", "Veronica",
                             "Rosa",    "Carmen",    "Yesenia",   "Leticia",   "Adriana",
                             "Lucia",   "Gabriela",  "Esmeralda", "Mariana",   "Paola"};
constexpr sv kHispanicM[] = {"Jose",  "Juan",      "Luis",      "Carlos",  "Miguel",
                             "Jesus", "Francisco", "Alejandro", "Javier",  "Santiago",
                             "Mateo", "Diego",     "Eduardo",   "Ricardo", "Fernando",
                             "Angel", "Jorge",     "Manuel",    "Antonio", "Emiliano"};
constexpr sv kHispanicLast[] = {
    "Garcia",   "Hernandez",  "Martinez",  "Lopez",     "Gonzalez", "Rodriguez", "Perez",
    "Sanchez",  "Ramirez",    "Flores",    "Torres",    "Rivera",   "Gomez",     "Diaz",
    "Reyes",    "Cruz",       "Morales",   "Gutierrez", "Ortiz",    "Ramos",     "Chavez",
    "Castillo", "Jimenez",    "Ruiz",      "Mendoza",   "Alvarez",  "Vasquez",   "Romero",
    "Herrera",  "Medina",     "Aguilar",   "Vargas",    "Castro",   "Guzman",    "Salazar",
    "Rojas",    "Contreras",  "Dominguez", "Avila",     "Estrada",  "Cervantes", "Navarro",
    "Delgado",  "Valenzuela", "Ochoa",     "Zamora",    "Rosales",  "Fuentes",   "Espinoza",
    "Soto",     "Luna",       "Trujillo",  "Serrano",   "Campos",   "Ibarra",    "Lara",
    "Mejia",    "Nunez"};

constexpr sv kWhiteF[] = {"Emily",   "Jessica", "Ashley", "Sarah", "Jennifer", "Olivia",
                          "Emma",    "Hannah",  "Megan",  "Linda", "Susan",    "Karen",
                          "Abigail", "Madison", "Ava",    "Chloe"};
constexpr sv kWhiteM[] = {"Michael",     "James",   "Robert", "David", "John",  "William",
                          "Christopher", "Matthew", "Joshua", "Tyler", "Ethan", "Ryan",
                          "Daniel",      "Thomas",  "Noah",   "Kevin"};
constexpr sv kWhiteLast[] = {
    "Smith",    "Johnson",  "Williams", "Brown",  "Jones",    "Miller",    "Davis",    "Wilson",
    "Anderson", "Taylor",   "Thomas",   "Moore",  "Martin",   "Thompson",  "White",    "Clark",
    "Lewis",    "Walker",   "Hall",     "Allen",  "Young",    "King",      "Wright",   "Hill",
    "Scott",    "Green",    "Baker",    "Adams",  "Nelson",   "Campbell",  "Mitchell", "Roberts",
    "Carter",   "Phillips", "Evans",    "Turner", "Collins",  "Stewart",   "Morris",   "Murphy",
    "Cook",     "Rogers",   "Reed",     "Bailey", "O'Connor", "McAllister"};

constexpr sv kBlackF[] = {"Aaliyah", "Imani", "Jasmine", "Destiny", "Keisha", "Tamika",
                          "Brianna", "Nia",   "Ebony",   "Kiara",   "Zaria",  "Ayanna"};
constexpr sv kBlackM[] = {"DeShawn", "Malik", "Jamal",  "Darnell", "Terrence", "Andre",
                          "Marcus",  "Jalen", "Isaiah", "Tyrone",  "Xavier",   "Cedric"};
constexpr sv kBlackLast[] = {"Washington", "Jackson", "Harris",  "Robinson", "Jefferson",
                             "Banks",      "Coleman", "Freeman", "Mosley",   "Booker",
                             "Dawson",     "Gaines",  "Hawkins", "Simmons",  "Wallace",
                             "Brooks",     "Johnson", "Williams"};

constexpr sv kFilipinoF[] = {"Maricel", "Rowena", "Jocelyn", "Liza",   "Kristine",
                             "Analyn",  "Cherry", "Rhea",    "Mylene", "Joy"};
constexpr sv kFilipinoM[] = {"Rodel", "Jun",  "Ramon", "Arnel",   "Romeo",
                             "Efren", "Noel", "Jomar", "Rogelio", "Mark"};
constexpr sv kFilipinoLast[] = {"Santos",     "Dela Cruz", "Bautista", "Ocampo",
                                "Villanueva", "Aquino",    "Pascual",  "Manalo",
                                "Soriano",    "Dizon",     "Mercado",  "Tolentino",
                                "Macaraeg",   "Gonzales",  "Cabrera",  "Fernandez"};

constexpr sv kVietnameseF[] = {"Linh",  "Thuy",  "Mai", "Lan",  "Ngoc",
                               "Huong", "Trang", "Anh", "Hanh", "Vy"};
constexpr sv kVietnameseM[] = {"Minh",  "Tuan", "Hung", "Quang", "Duc",
                               "Thanh", "Khoa", "Bao",  "Long",  "Phuc"};
constexpr sv kVietnameseLast[] = {"Nguyen", "Tran", "Le",   "Pham", "Hoang", "Huynh", "Phan",
                                  "Vu",     "Vo",   "Dang", "Bui",  "Do",    "Ho",    "Ngo"};

constexpr sv kChineseF[] = {"Mei", "Xiu", "Li Na", "Jing", "Yan", "Hui", "Ying"};
constexpr sv kChineseM[] = {"Wei", "Jian", "Hao", "Jun", "Ming", "Lei", "Zhi"};
constexpr sv kChineseLast[] = {"Wang",  "Li",   "Zhang", "Chen", "Liu", "Yang",
                               "Huang", "Zhao", "Wu",    "Zhou", "Lin", "Wong"};

constexpr sv kArabicF[] = {"Fatima", "Mariam", "Noor", "Layla", "Zainab", "Rana", "Hiba", "Nadia"};
constexpr sv kArabicM[] = {"Mohammed", "Ali",     "Ahmed",   "Omar",
                           "Yousif",   "Hussein", "Mustafa", "Ibrahim"};
constexpr sv kArabicLast[] = {"Hanna",   "Yousif", "Jamil",  "Kassab",  "Shamoun",
                              "Abdulla", "Hassan", "Karim",  "Mansour", "Haddad",
                              "Saleh",   "Aziz",   "Khalil", "Najjar"};

constexpr sv kSomaliF[] = {"Hodan", "Amina", "Fadumo", "Sahra", "Hawa", "Ifrah", "Khadra"};
constexpr sv kSomaliM[] = {"Abdirahman", "Abdullahi", "Mohamed", "Hassan",
                           "Abdi",       "Farah",     "Ismail"};
constexpr sv kSomaliLast[] = {"Mohamed", "Ali",   "Abdi",  "Hussein", "Warsame", "Farah",
                              "Osman",   "Yusuf", "Ahmed", "Jama",    "Nur",     "Hirsi"};

constexpr sv kPacificAsianF[] = {"Ji-woo", "Soo-ah", "Yuki", "Malia", "Sina", "Lani", "Sokha"};
constexpr sv kPacificAsianM[] = {"Min-jun", "Hiroshi", "Kenji",  "Tevita",
                                 "Sione",   "Vanh",    "Sokchea"};
constexpr sv kPacificAsianLast[] = {"Kim",      "Lee",    "Park",       "Choi",   "Tanaka",
                                    "Nakamura", "Fifita", "Tuiasosopo", "Vang",   "Xiong",
                                    "Sok",      "Chhim",  "Phommasack", "Kealoha"};

const Heritage kHeritages[] = {
    {"hispanic", 0.46, kHispanicF, kHispanicM, kHispanicLast, "es", 0.55},
    {"white", 0.25, kWhiteF, kWhiteM, kWhiteLast, "en", 0.0},
    {"black", 0.07, kBlackF, kBlackM, kBlackLast, "en", 0.0},
    {"filipino", 0.06, kFilipinoF, kFilipinoM, kFilipinoLast, "tl", 0.25},
    {"vietnamese", 0.05, kVietnameseF, kVietnameseM, kVietnameseLast, "vi", 0.60},
    {"chinese", 0.025, kChineseF, kChineseM, kChineseLast, "zh", 0.55},
    {"arabic", 0.035, kArabicF, kArabicM, kArabicLast, "ar", 0.60},
    {"somali", 0.02, kSomaliF, kSomaliM, kSomaliLast, "so", 0.60},
    {"pacific_asian", 0.03, kPacificAsianF, kPacificAsianM, kPacificAsianLast, "en", 0.0},
};

// ---------------------------------------------------------------- places

const ZipCity kZipCities[] = {
    {"92101", "San Diego", "619", 3},      {"92102", "San Diego", "619", 4},
    {"92104", "San Diego", "619", 3},      {"92105", "San Diego", "619", 8},
    {"92107", "San Diego", "619", 1},      {"92109", "San Diego", "858", 1},
    {"92110", "San Diego", "619", 1},      {"92111", "San Diego", "858", 3},
    {"92113", "San Diego", "619", 6},      {"92114", "San Diego", "619", 6},
    {"92115", "San Diego", "619", 5},      {"92116", "San Diego", "619", 2},
    {"92117", "San Diego", "858", 2},      {"92120", "San Diego", "619", 1},
    {"92123", "San Diego", "858", 1},      {"92126", "San Diego", "858", 2},
    {"92139", "San Diego", "619", 3},      {"92154", "San Diego", "619", 5},
    {"92173", "San Ysidro", "619", 2},     {"91910", "Chula Vista", "619", 5},
    {"91911", "Chula Vista", "619", 5},    {"91913", "Chula Vista", "619", 2},
    {"91915", "Chula Vista", "619", 1},    {"91950", "National City", "619", 5},
    {"91932", "Imperial Beach", "619", 2}, {"91945", "Lemon Grove", "619", 2},
    {"91942", "La Mesa", "619", 2},        {"91977", "Spring Valley", "619", 3},
    {"92019", "El Cajon", "619", 2},       {"92020", "El Cajon", "619", 5},
    {"92021", "El Cajon", "619", 4},       {"92071", "Santee", "619", 2},
    {"92040", "Lakeside", "619", 1},       {"92025", "Escondido", "760", 4},
    {"92026", "Escondido", "760", 2},      {"92027", "Escondido", "760", 4},
    {"92054", "Oceanside", "760", 3},      {"92056", "Oceanside", "760", 2},
    {"92057", "Oceanside", "760", 2},      {"92083", "Vista", "760", 2},
    {"92084", "Vista", "760", 2},          {"92069", "San Marcos", "760", 2},
    {"92008", "Carlsbad", "760", 1},       {"92024", "Encinitas", "760", 1},
    {"92028", "Fallbrook", "760", 2},      {"92065", "Ramona", "760", 1},
    {"92064", "Poway", "858", 1},          {"92004", "Borrego Springs", "760", 0.2},
};

constexpr sv kStreets[] = {"University Ave",
                           "El Cajon Blvd",
                           "Imperial Ave",
                           "Market St",
                           "Broadway",
                           "Euclid Ave",
                           "Federal Blvd",
                           "Main St",
                           "Palm Ave",
                           "Highland Ave",
                           "National City Blvd",
                           "Third Ave",
                           "Fourth Ave",
                           "Mission Ave",
                           "Grand Ave",
                           "Escondido Blvd",
                           "Santa Fe Ave",
                           "Oceanside Blvd",
                           "Coronado Ave",
                           "Logan Ave",
                           "Ocean View Blvd",
                           "Fairmount Ave",
                           "Home Ave",
                           "Orange Ave",
                           "Adams Ave",
                           "Garnet Ave",
                           "Clairemont Mesa Blvd",
                           "Linda Vista Rd",
                           "Genesee Ave",
                           "Mira Mesa Blvd",
                           "Jamacha Rd",
                           "Magnolia Ave",
                           "Sweetwater Rd",
                           "Otay Lakes Rd",
                           "Palomar St",
                           "Beyer Blvd",
                           "Hollister St",
                           "Valley Pkwy",
                           "Vista Way",
                           "Mission Rd",
                           "Washington Ave",
                           "Lemon Grove Ave",
                           "Jacaranda Dr",
                           "Sunset Dr",
                           "Oak St",
                           "Cedar St",
                           "Juniper St",
                           "Ivy St"};

constexpr sv kOtherDiscontinuation[] = {
    "Member requested another ECM provider", "Member enrolled in hospice",
    "Member moved to long-term care", "Duplicate assignment corrected",
    "Member incarcerated over 30 days"};

constexpr sv kOtherClosure[] = {"Member moved out of county", "Member hospitalized",
                                "Service no longer needed", "Referred to county program"};

}  // namespace

std::span<const Heritage> Heritages() { return kHeritages; }
std::span<const ZipCity> ZipCities() { return kZipCities; }
std::span<const std::string_view> Streets() { return kStreets; }
std::span<const std::string_view> OtherDiscontinuationReasons() { return kOtherDiscontinuation; }
std::span<const std::string_view> OtherClosureReasons() { return kOtherClosure; }

}  // namespace hub::generator::data
