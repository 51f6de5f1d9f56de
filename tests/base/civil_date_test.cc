#include "base/civil_date.h"

#include "gtest/gtest.h"

namespace hub {
namespace {

TEST(CivilDateTest, ParsesEveryPlanFormatToTheSameDay) {
  for (auto [text, format] :
       {std::pair{"2026-01-31", DateFormat::kIso}, std::pair{"01/31/2026", DateFormat::kUsSlash},
        std::pair{"1/31/2026", DateFormat::kUsSlash}, std::pair{"01-31-2026", DateFormat::kUsDash},
        std::pair{"20260131", DateFormat::kCompact}}) {
    auto date = CivilDate::Parse(text, format);
    ASSERT_TRUE(date.ok()) << text;
    EXPECT_EQ(date->ToIso(), "2026-01-31") << text;
  }
}

TEST(CivilDateTest, EveryNamedFormatReadsItsOwnShapeOnly) {
  struct Case {
    const char* name;
    const char* text;
    const char* iso;
  };
  for (const Case& c :
       {Case{"yyyy/mm/dd", "1988/03/07", "1988-03-07"},
        Case{"dd-mon-yyyy", "07-MAR-1988", "1988-03-07"},
        Case{"dd-mon-yyyy", "07-mar-1988", "1988-03-07"},
        Case{"dd/mm/yyyy", "7/3/1988", "1988-03-07"}, Case{"mm/dd/yy", "03/07/88", "1988-03-07"},
        Case{"mm/dd/yy", "03/07/26", "2026-03-07"}, Case{"mmddyyyy", "03071988", "1988-03-07"},
        Case{"yyyy-mm-dd", "1988-03-07", "1988-03-07"}}) {
    absl::StatusOr<DateFormat> format = ParseDateFormatName(c.name);
    ASSERT_TRUE(format.ok()) << c.name;
    absl::StatusOr<CivilDate> date = CivilDate::Parse(c.text, *format);
    ASSERT_TRUE(date.ok()) << c.name << " " << c.text;
    EXPECT_EQ(date->ToIso(), c.iso) << c.name;
    // Rendering gives the format's own shape back (canonical two digits).
    absl::StatusOr<CivilDate> again = CivilDate::Parse(date->Format(*format), *format);
    ASSERT_TRUE(again.ok()) << c.name;
    EXPECT_EQ(*again, *date) << c.name;
  }
  // Other separators are not a date of the format: stripping a date to its
  // digits would have accepted both of these as 1988-03-07 / 1942-12-09.
  const DateFormat ymd = *ParseDateFormatName("yyyy/mm/dd");
  EXPECT_FALSE(CivilDate::Parse("1988-03-07", ymd).ok());
  EXPECT_FALSE(CivilDate::Parse("1942.12.09", ymd).ok());
  EXPECT_FALSE(CivilDate::Parse("07-XYZ-1988", *ParseDateFormatName("dd-mon-yyyy")).ok());
  EXPECT_FALSE(CivilDate::Parse("02/30/26", *ParseDateFormatName("mm/dd/yy")).ok());
  EXPECT_EQ(CivilDate::ParseIso("1988-03-07")->Format(*ParseDateFormatName("dd-mon-yyyy")),
            "07-MAR-1988");
  absl::StatusOr<DateFormat> unknown = ParseDateFormatName("yyyy.mm.dd");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(std::string(unknown.status().message()).find("dd-mon-yyyy"), std::string::npos);
}

TEST(CivilDateTest, RejectsImpossibleAndMalformedDays) {
  EXPECT_FALSE(CivilDate::ParseIso("2026-02-29").ok());
  EXPECT_TRUE(CivilDate::ParseIso("2024-02-29").ok());
  EXPECT_FALSE(CivilDate::ParseIso("2026-13-01").ok());
  EXPECT_FALSE(CivilDate::ParseIso("2026-1-01").ok());
  EXPECT_FALSE(CivilDate::Parse("2026/01/31", DateFormat::kUsSlash).ok());
  EXPECT_FALSE(CivilDate::Parse("202601311", DateFormat::kCompact).ok());
  EXPECT_FALSE(CivilDate::Parse("", DateFormat::kCompact).ok());
}

TEST(CivilDateTest, ErrorNeverEchoesTheValue) {
  auto date = CivilDate::Parse("07/04/1961x", DateFormat::kUsSlash);
  ASSERT_FALSE(date.ok());
  EXPECT_EQ(date.status().message().find("1961"), absl::string_view::npos);
}

TEST(CivilDateTest, DayArithmeticRoundTrips) {
  auto d = CivilDate::ParseIso("2024-02-28").value();
  EXPECT_EQ(d.AddDays(1).ToIso(), "2024-02-29");
  EXPECT_EQ(d.AddDays(2).ToIso(), "2024-03-01");
  EXPECT_EQ(CivilDate::FromDaysSinceEpoch(0).ToIso(), "1970-01-01");
  for (int64_t n = -30000; n < 90000; n += 37) {
    EXPECT_EQ(CivilDate::FromDaysSinceEpoch(n).DaysSinceEpoch(), n);
  }
  EXPECT_LT(d, d.AddDays(1));
}

TEST(CivilDateTest, FormatsForExport) {
  auto d = CivilDate::ParseIso("2026-03-05").value();
  EXPECT_EQ(d.Format(DateFormat::kUsSlash), "03/05/2026");
  EXPECT_EQ(d.Format(DateFormat::kCompact), "20260305");
  EXPECT_EQ(ParseDateFormatName("yyyymmdd").value(), DateFormat::kCompact);
  EXPECT_FALSE(ParseDateFormatName("dd.mm.yy").ok());
}

TEST(CivilDateTest, MonthOfIsoDate) {
  EXPECT_EQ(MonthOfIsoDate("2026-10-31"), "2026-10");
  EXPECT_EQ(MonthOfIsoDate("10/31/2026"), "");
  EXPECT_EQ(MonthOfIsoDate("2026-13-01"), "");
}

}  // namespace

}  // namespace hub
