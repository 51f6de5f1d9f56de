#!/usr/bin/env python3
"""One-off generator for demo/san_diego/directory.textproto.

Not used by the build: the committed textproto is the source of truth for the
demo. Re-run it only to change the demo directory on purpose:

    python3 demo/san_diego/make_directory.py > demo/san_diego/directory.textproto

Every organization, NPI, TIN and phone number it writes is FICTIONAL. NPIs are
random 9-digit payloads starting with 1 plus the Luhn check digit computed with
the 80840 prefix (same algorithm as base/identifiers.cc NpiCheckDigit), so they
pass hub::ValidateNpi but belong to nobody we know of. Phones use the 555-01xx
range reserved for fiction.
"""

import random

SEED = 20261123

PLANS = [
    # plan_id, display name, illustrative DHCS plan code
    ("aetna", "Aetna Better Health of California", "3701"),
    ("blue_shield_promise", "Blue Shield of California Promise Health Plan", "3702"),
    ("community_health_group", "Community Health Group Partnership Plan", "3703"),
    ("health_net", "Health Net Community Solutions", "3704"),
    ("kaiser", "Kaiser Permanente", "3705"),
    ("molina", "Molina Healthcare of California", "3706"),
    ("united", "UnitedHealthcare Community Plan", "3707"),
]
PLAN_IDS = [p[0] for p in PLANS]

ECM, CS = "PROVIDER_KIND_ECM", "PROVIDER_KIND_CS"

HTN = "HOUSING_TRANSITION_NAVIGATION"
DEP = "HOUSING_DEPOSITS"
TEN = "HOUSING_TENANCY_AND_SUSTAINING"
STPH = "SHORT_TERM_POST_HOSPITALIZATION_HOUSING"
RECUP = "RECUPERATIVE_CARE"
RESP = "RESPITE_SERVICES"
DAYHAB = "DAY_HABILITATION"
NF_AL = "NURSING_FACILITY_TRANSITION_TO_ASSISTED_LIVING"
COMM_TR = "COMMUNITY_TRANSITION"
PCARE = "PERSONAL_CARE_AND_HOMEMAKER"
EAA = "ENVIRONMENTAL_ACCESSIBILITY_ADAPTATIONS"
MEALS = "MEDICALLY_TAILORED_MEALS"
SOBER = "SOBERING_CENTERS"
ASTHMA = "ASTHMA_REMEDIATION"
TRENT = "TRANSITIONAL_RENT"

# provider_id, name, provider type, kinds, community supports, part2, area code,
# size (1 small .. 3 large, scales capacities and number of plan contracts)
PROVIDERS = [
    ("harborview_housing_collaborative", "Harborview Housing Collaborative", "HOMELESS_SERVICES",
     [ECM, CS], [HTN, DEP, TEN, TRENT], False, "619", 3),
    ("mesa_linda_community_health", "Mesa Linda Community Health Center", "FQHC",
     [ECM], [], False, "619", 3),
    ("otay_ridge_family_clinics", "Otay Ridge Family Clinics", "FQHC",
     [ECM], [], False, "619", 3),
    ("north_county_coastal_health", "North County Coastal Health Partners", "FQHC",
     [ECM, CS], [ASTHMA], False, "760", 3),
    ("palomar_valley_health_center", "Palomar Valley Health Center", "FQHC",
     [ECM], [], False, "760", 2),
    ("canyon_light_recovery", "Canyon Light Recovery Services", "BEHAVIORAL_HEALTH",
     [ECM, CS], [SOBER], True, "619", 2),
    ("bayside_sobering_center", "Bayside Sobering and Stabilization Center", "BEHAVIORAL_HEALTH",
     [CS], [SOBER], False, "619", 2),
    ("second_wind_recuperative_care", "Second Wind Recuperative Care", "HOMELESS_SERVICES",
     [CS], [RECUP, STPH], False, "619", 2),
    ("tidewater_kitchen", "Tidewater Kitchen Medically Tailored Meals", "CBO",
     [CS], [MEALS], False, "858", 3),
    ("good_table_nutrition", "Good Table Nutrition Services", "CBO",
     [CS], [MEALS], False, "760", 2),
    ("golden_years_in_home_care", "Golden Years In-Home Care", "OTHER",
     [CS], [PCARE, RESP], False, "858", 2),
    ("hearth_and_home_accessibility", "Hearth and Home Accessibility Builders", "OTHER",
     [CS], [EAA, ASTHMA], False, "858", 1),
    ("clear_air_kids", "Clear Air Kids Asthma Program", "CBO",
     [CS], [ASTHMA], False, "619", 1),
    ("bridges_reentry_network", "Bridges Reentry Network", "JUSTICE_INVOLVED_SERVICES",
     [ECM, CS], [HTN], False, "619", 2),
    ("county_care_coordination_unit", "County HHSA Care Coordination Unit", "COUNTY_AGENCY",
     [ECM, CS], [HTN, TEN], False, "619", 3),
    ("county_senior_transitions", "County Senior Transitions Program", "COUNTY_AGENCY",
     [ECM, CS], [NF_AL, COMM_TR], False, "858", 2),
    ("county_probation_reentry_care", "County Probation Reentry Care Team", "COUNTY_AGENCY",
     [ECM], [], False, "619", 2),
    ("cuyamaca_path_transitions", "Cuyamaca Path Assisted Living Transitions", "OTHER",
     [CS], [NF_AL, COMM_TR], False, "760", 1),
    ("el_cajon_family_resource", "El Cajon Family Resource Center", "CBO",
     [ECM, CS], [HTN, RESP], False, "619", 2),
    ("south_bay_neighbors", "South Bay Neighbors Collaborative", "CBO",
     [ECM], [], False, "619", 2),
    ("oceanside_youth_family", "Oceanside Youth and Family Services", "CBO",
     [ECM], [], False, "760", 2),
    ("vista_day_habilitation", "Vista Day Habilitation Programs", "OTHER",
     [CS], [DAYHAB], False, "760", 1),
    ("border_view_health_alliance", "Border View Health Alliance", "FQHC",
     [ECM], [], False, "619", 3),
    ("mission_hills_behavioral", "Mission Hills Behavioral Wellness", "BEHAVIORAL_HEALTH",
     [ECM], [], False, "619", 2),
    ("kearny_mesa_housing_navigators", "Kearny Mesa Housing Navigators", "HOMELESS_SERVICES",
     [CS], [HTN, DEP, TEN], False, "858", 2),
    ("linda_vista_tenancy_services", "Linda Vista Tenancy Services", "HOMELESS_SERVICES",
     [CS], [TEN, TRENT, DEP], False, "858", 1),
    ("east_county_respite_network", "East County Caregiver Respite Network", "CBO",
     [CS], [RESP, PCARE], False, "619", 1),
    ("escondido_recovery_alliance", "Escondido Recovery Alliance", "BEHAVIORAL_HEALTH",
     [ECM, CS], [SOBER], True, "760", 2),
    ("new_dawn_sud_programs", "New Dawn Outpatient SUD Programs", "BEHAVIORAL_HEALTH",
     [ECM], [], True, "858", 1),
    ("pacific_gateway_clinics", "Pacific Gateway Community Clinics", "FQHC",
     [ECM], [], False, "858", 3),
    ("torrey_senior_services", "Torrey Senior Services", "CBO",
     [CS], [PCARE, RESP, MEALS], False, "858", 1),
    ("silver_strand_family_health", "Silver Strand Family Health", "FQHC",
     [ECM, CS], [ASTHMA], False, "619", 2),
    ("fallbrook_rural_health", "Fallbrook Rural Health Collective", "FQHC",
     [ECM], [], False, "760", 1),
    ("backcountry_community_services", "Backcountry Community Services", "CBO",
     [ECM, CS], [HTN, PCARE], False, "760", 1),
    ("city_heights_newcomer_wellness", "City Heights Newcomer Wellness Center", "CBO",
     [ECM], [], False, "619", 2),
    ("point_loma_medical_respite", "Point Loma Medical Respite House", "OTHER",
     [CS], [RECUP, STPH], False, "619", 1),
    ("encanto_birth_equity", "Encanto Birth Equity Collective", "CBO",
     [ECM], [], False, "619", 1),
    ("coastal_north_transitional_housing", "Coastal North Transitional Housing", "HOMELESS_SERVICES",
     [CS], [STPH, TRENT, HTN], False, "760", 2),
    ("mission_trails_day_center", "Mission Trails Day Center", "OTHER",
     [CS], [DAYHAB], False, "619", 1),
    ("sweetwater_community_kitchen", "Sweetwater Community Kitchen", "CBO",
     [CS], [MEALS], False, "619", 2),
]


def npi_check_digit(npi9):
    """Luhn check digit with the 80840 prefix (CMS NPI standard)."""
    total = 24  # contribution of the 80840 prefix
    for pos, ch in enumerate(reversed(npi9)):
        d = int(ch)
        if pos % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def make_npi(rng, used):
    while True:
        npi9 = "1" + "".join(rng.choice("0123456789") for _ in range(8))
        npi = npi9 + npi_check_digit(npi9)
        if npi not in used:
            used.add(npi)
            return npi


def round_to(value, step):
    return max(step, int(round(value / step)) * step)


def contracts_for(rng, kinds, size):
    n_plans = {1: (2, 4), 2: (3, 6), 3: (5, 7)}[size]
    count = rng.randint(*n_plans)
    # Kaiser contracts with fewer community providers than the other plans.
    weights = {plan_id: 1.0 for plan_id in PLAN_IDS}
    weights["kaiser"] = 0.35
    pool, chosen = list(PLAN_IDS), []
    while len(chosen) < count:
        pick = rng.choices(pool, weights=[weights[p] for p in pool])[0]
        pool.remove(pick)
        chosen.append(pick)
    plans = sorted(chosen, key=PLAN_IDS.index)
    out = []
    for plan_id in plans:
        contract_kinds = list(kinds)
        # A provider doing both sometimes holds only its ECM contract with a plan.
        if len(kinds) == 2 and rng.random() < 0.25:
            contract_kinds = [ECM]
        ecm = cs = 0
        if ECM in contract_kinds:
            lo, hi = {1: (50, 150), 2: (100, 350), 3: (250, 600)}[size]
            ecm = round_to(rng.randint(lo, hi), 25)
        if CS in contract_kinds:
            lo, hi = {1: (20, 80), 2: (50, 180), 3: (120, 300)}[size]
            cs = round_to(rng.randint(lo, hi), 10)
        start = rng.choice(["2022-01-01", "2022-07-01", "2024-01-01", "2024-01-01", "2024-01-01"])
        end = "2025-12-31" if rng.random() < 0.06 else ""
        out.append((plan_id, contract_kinds, ecm, cs, start, end))
    return out


def main():
    rng = random.Random(SEED)
    used_npis = set()
    next_phone = {"619": 101, "858": 101, "760": 101}
    p = print
    p("# proto-file: protos/hub/v1/directory_seed.proto")
    p("# proto-message: hub.v1.DirectorySeed")
    p("#")
    p("# Demo directory for the San Diego County hub (Healthy San Diego, a Geographic")
    p("# Managed Care county with seven Medi-Cal managed care plans).")
    p("#")
    p("# The plans are real; their dhcs_plan_code values are ILLUSTRATIVE: the real")
    p("# DHCS plan codes were not confirmed. Replace them before any real use.")
    p("#")
    p("# Every provider below is FICTIONAL: names, NPIs, TINs and phone numbers are")
    p("# made up. NPIs are generated to pass the Luhn check with the 80840 prefix")
    p("# (hub::ValidateNpi); phones use the 555-01xx range reserved for fiction.")
    p("# Contract capacities are plausible orders of magnitude, not real figures.")
    p("#")
    p("# Generated once by demo/san_diego/make_directory.py; edit by hand or re-run it.")
    p()
    for plan_id, name, code in PLANS:
        p("plans {")
        p(f'  plan_id: "{plan_id}"')
        p(f'  name: "{name}"')
        p('  county: "San Diego"')
        p(f'  dhcs_plan_code: "{code}"  # illustrative, not the real DHCS code')
        p(f'  adapter_profile: "{plan_id}"')
        p("}")
    for (pid, name, ptype, kinds, supports, part2, area, size) in PROVIDERS:
        npi = make_npi(rng, used_npis)
        tin = rng.choice(["33", "95", "94", "27", "45"]) + "".join(
            rng.choice("0123456789") for _ in range(7))
        phone = f"{area}555{next_phone[area]:04d}"
        next_phone[area] += 1
        p()
        p("providers {")
        p(f'  provider_id: "{pid}"')
        p(f'  npi: "{npi}"')
        p(f'  tin: "{tin}"')
        p(f'  name: "{name}"')
        for k in kinds:
            p(f"  kinds: {k}")
        for cs in supports:
            p(f"  community_supports: COMMUNITY_SUPPORT_{cs}")
        if part2:
            p("  part2_program: true  # 42 CFR Part 2 SUD program: records move only with consent")
        p(f"  provider_type: PROVIDER_TYPE_{ptype}")
        p(f'  phone: "{phone}"')
        for (plan_id, ckinds, ecm, cs, start, end) in contracts_for(rng, kinds, size):
            p("  contracts {")
            p(f'    plan_id: "{plan_id}"')
            for k in ckinds:
                p(f"    kinds: {k}")
            if ecm:
                p(f"    ecm_capacity: {ecm}")
            if cs:
                p(f"    cs_capacity: {cs}")
            p(f'    start_date: "{start}"')
            if end:
                p(f'    end_date: "{end}"')
            p("  }")
        p("}")


if __name__ == "__main__":
    main()
