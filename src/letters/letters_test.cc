#include "letters/letters.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "letters/cp1252.h"
#include "letters/letter_texts.h"

namespace volmacht {
namespace {

using letters_internal::Utf8ToCp1252;
using std::chrono::day;
using std::chrono::month;
using std::chrono::year;

constexpr Date kLetterDate{year(2026), month(11), day(29)};
constexpr double kA4Width = 595.28;

// --- helpers ------------------------------------------------------------------------------

std::string Run(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  pclose(pipe);
  return out;
}

bool HaveTool(const std::string& name) {
  return !Run("command -v " + name + " 2>/dev/null").empty();
}

// A rendered letter in a temporary file, removed when the test ends.
class TempPdf {
 public:
  explicit TempPdf(const LetterContent& c) {
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    path_ = testing::TempDir() + "letters_test_" + std::to_string(getpid()) + "_" + info->name() +
            "_" + std::to_string(counter_++) + ".pdf";
    Result<std::string> pdf = RenderLetterPdf(c);
    if (!pdf) {
      ADD_FAILURE() << pdf.error().message;
      return;
    }
    std::ofstream(path_, std::ios::binary) << *pdf;
  }
  ~TempPdf() { std::remove(path_.c_str()); }
  TempPdf(const TempPdf&) = delete;
  TempPdf& operator=(const TempPdf&) = delete;
  operator const std::string&() const { return path_; }  // NOLINT: terse use in tests

 private:
  static inline int counter_ = 0;
  std::string path_;
};

std::string PdfText(const std::string& path, const std::string& options = "-layout") {
  return Run("pdftotext " + options + " '" + path + "' - 2>/dev/null");
}

int PdfPages(const std::string& path) {
  const std::string info = Run("pdfinfo '" + path + "' 2>/dev/null");
  std::smatch m;
  if (!std::regex_search(info, m, std::regex(R"(Pages:\s+(\d+))"))) return -1;
  return std::stoi(m[1]);
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Collapses runs of whitespace so -layout column padding does not matter.
std::string Squeeze(const std::string& text) {
  return std::regex_replace(text, std::regex(R"(\s+)"), " ");
}

#define SKIP_WITHOUT_POPPLER()                                     \
  if (!HaveTool("pdftotext") || !HaveTool("pdfinfo")) {            \
    GTEST_SKIP() << "pdftotext/pdfinfo (poppler-utils) not found"; \
  }

LetterContent Simple() {
  LetterContent c;
  c.recipient_name = "J. Jansen";
  c.address_lines = {"Dorpsstraat 1", "1234 AB  Ons Dorp"};
  c.date = kLetterDate;
  c.subject = "Uw machtigingscode";
  c.paragraphs = {"Geachte heer/mevrouw,", "Dit is een korte brief."};
  c.reference = "M-123";
  return c;
}

// --- Utf8ToCp1252 -------------------------------------------------------------------------

TEST(Utf8ToCp1252Test, MapsDutchLettersAndPunctuation) {
  EXPECT_EQ(Utf8ToCp1252("é ë ï ü ö á à è ç"), "\xE9 \xEB \xEF \xFC \xF6 \xE1 \xE0 \xE8 \xE7");
  EXPECT_EQ(Utf8ToCp1252("Ëlise Bröcker-Çelik"),
            "\xCBlise Br\xF6"
            "cker-\xC7"
            "elik");
  EXPECT_EQ(Utf8ToCp1252("’“”–—€•"), "\x92\x93\x94\x96\x97\x80\x95");
  EXPECT_EQ(Utf8ToCp1252("plain ASCII 123"), "plain ASCII 123");
}

TEST(Utf8ToCp1252Test, ReplacesWhatCp1252CannotShow) {
  EXPECT_EQ(Utf8ToCp1252("漢字"), "??");
  EXPECT_EQ(Utf8ToCp1252("a😀b"), "a?b");     // 4-byte sequence -> one '?'
  EXPECT_EQ(Utf8ToCp1252("\xC2\x81"), "?");  // C1 control (U+0081)
  EXPECT_EQ(Utf8ToCp1252(std::string("a\0b", 3)), "a?b");
  EXPECT_EQ(Utf8ToCp1252("a\x07"
                         "b\x7F"),
            "a?b?");
}

TEST(Utf8ToCp1252Test, RejectsMalformedUtf8) {
  EXPECT_EQ(Utf8ToCp1252("\xFF"), "?");
  EXPECT_EQ(Utf8ToCp1252("\xC0\xAF"), "??");            // overlong '/'
  EXPECT_EQ(Utf8ToCp1252("\xED\xA0\x80"), "???");       // UTF-16 surrogate
  EXPECT_EQ(Utf8ToCp1252("ab\xC3"), "ab?");             // truncated at the end
  EXPECT_EQ(Utf8ToCp1252("\xC3(x"), "?(x");             // bad continuation byte
  EXPECT_EQ(Utf8ToCp1252("\xF4\x90\x80\x80"), "????");  // above U+10FFFF
}

TEST(Utf8ToCp1252Test, Whitespace) {
  EXPECT_EQ(Utf8ToCp1252("a\tb\r\nc"), "a b  c");
  EXPECT_EQ(Utf8ToCp1252("a\nb", /*keep_newlines=*/true), "a\nb");
}

// --- texts --------------------------------------------------------------------------------

TEST(FormatDutchDateTest, AllMonths) {
  const char* names[] = {"januari", "februari", "maart",     "april",   "mei",      "juni",
                         "juli",    "augustus", "september", "oktober", "november", "december"};
  for (unsigned m = 1; m <= 12; ++m) {
    EXPECT_EQ(FormatDutchDate(Date{year(2026), month(m), day(1)}),
              std::string("1 ") + names[m - 1] + " 2026");
  }
  EXPECT_EQ(FormatDutchDate(kLetterDate), "29 november 2026");
  EXPECT_EQ(FormatDutchDate(Date{year(2026), month(2), day(30)}), "?");
}

bool HasNineDigitRun(const LetterContent& c) {
  const std::regex nine(R"(\d{9})");
  for (const std::string& p : c.paragraphs) {
    if (std::regex_search(p, nine)) return true;
  }
  return std::regex_search(c.subject, nine);
}

std::string Joined(const LetterContent& c) {
  std::string all;
  for (const std::string& p : c.paragraphs) all += p + "\n";
  // Dates in sentences use no-break spaces; compare with plain ones.
  return std::regex_replace(all, std::regex("\u00A0"), " ");
}

TEST(LetterTextsTest, ActivationCodeLetterExplainsWhatToDo) {
  const LetterContent c =
      ActivationCodeLetter("J. Jansen", {"Dorpsstraat 1"}, kLetterDate, "P. de Vries",
                           {"Belastingaangifte", "Toeslagen"}, Date{year(2027), month(1), day(1)},
                           Date{year(2027), month(12), day(31)}, "ABCD-EFGH-JKLM",
                           Date{year(2026), month(12), day(13)}, "M-1");
  EXPECT_EQ(c.recipient_name, "J. Jansen");
  EXPECT_EQ(c.code, "ABCD-EFGH-JKLM");
  EXPECT_EQ(c.reference, "M-1");
  EXPECT_EQ(c.subject, "Uw machtigingscode");
  const std::string all = Joined(c);
  EXPECT_NE(all.find("P. de Vries"), std::string::npos);
  EXPECT_NE(all.find("• Belastingaangifte\n• Toeslagen"), std::string::npos);
  EXPECT_NE(all.find("van 1 januari 2027 tot en met 31 december 2027"), std::string::npos);
  EXPECT_NE(all.find("log zelf in"), std::string::npos);
  EXPECT_NE(all.find("niets te doen"), std::string::npos);
  EXPECT_NE(all.find("vervalt vanzelf na 13 december 2026"), std::string::npos);
  EXPECT_NE(all.find("contact met ons op"), std::string::npos);
  EXPECT_FALSE(HasNineDigitRun(c));
}

TEST(LetterTextsTest, ConfirmationWordingFollowsRecipientRole) {
  const Date start{year(2027), month(1), day(1)};
  const Date end{year(2027), month(6), day(30)};
  const LetterContent agent =
      ActivationConfirmationLetter("A. Agent", {}, kLetterDate, "P. Principaal",
                                   LetterRecipientRole::kGemachtigde, {"Zorg"}, start, end, "R");
  const LetterContent principal = ActivationConfirmationLetter(
      "P. Principaal", {}, kLetterDate, "A. Agent", LetterRecipientRole::kVertegenwoordigde,
      {"Zorg"}, start, end, "R");
  EXPECT_NE(Joined(agent).find("P. Principaal heeft u gemachtigd"), std::string::npos);
  EXPECT_NE(Joined(agent).find("namens P. Principaal"), std::string::npos);
  EXPECT_NE(Joined(principal).find("U heeft A. Agent gemachtigd"), std::string::npos);
  EXPECT_NE(Joined(principal).find("namens u"), std::string::npos);
  EXPECT_NE(Joined(principal).find("van 1 januari 2027 tot en met 30 juni 2027"),
            std::string::npos);
  EXPECT_TRUE(agent.code.empty());
  EXPECT_FALSE(HasNineDigitRun(agent));
  EXPECT_FALSE(HasNineDigitRun(principal));
}

TEST(LetterTextsTest, RevocationIncludesReasonOnlyWhenGiven) {
  const LetterContent with =
      RevocationConfirmationLetter("A. Agent", {"Straat 2"}, kLetterDate, "P. Principaal", {"Zorg"},
                                   "P. Principaal heeft de machtiging ingetrokken.", "R");
  const LetterContent without =
      RevocationConfirmationLetter("A. Agent", {}, kLetterDate, "P. Principaal", {}, "", "R");
  EXPECT_NE(Joined(with).find("heeft de machtiging ingetrokken."), std::string::npos);
  EXPECT_NE(Joined(with).find("• Zorg"), std::string::npos);
  EXPECT_EQ(with.paragraphs.size(), without.paragraphs.size() + 2);  // no services, no reason
  EXPECT_EQ(with.subject, "Uw machtiging is ingetrokken");
  EXPECT_TRUE(with.code.empty());
}

// --- rendering without poppler ------------------------------------------------------------

TEST(RenderLetterPdfTest, ProducesPdfBytes) {
  Result<std::string> pdf = RenderLetterPdf(Simple());
  ASSERT_TRUE(pdf.has_value()) << pdf.error().message;
  EXPECT_EQ(pdf->rfind("%PDF-", 0), 0u);
  EXPECT_NE(pdf->find("%%EOF"), std::string::npos);
}

TEST(RenderLetterPdfTest, DeterministicAndIndependentOfWallClock) {
  Result<std::string> a = RenderLetterPdf(Simple());
  Result<std::string> b = RenderLetterPdf(Simple());
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  LetterContent other = Simple();
  other.date = Date{year(2026), month(11), day(30)};
  Result<std::string> c = RenderLetterPdf(other);
  ASSERT_TRUE(c);
  EXPECT_NE(*a, *c);
}

TEST(RenderLetterPdfTest, RejectsInvalidDate) {
  LetterContent c = Simple();
  c.date = Date{year(2026), month(2), day(30)};
  Result<std::string> pdf = RenderLetterPdf(c);
  ASSERT_FALSE(pdf.has_value());
  EXPECT_EQ(pdf.error().code, ErrorCode::kInternal);
}

TEST(RenderLetterPdfTest, RejectsAbsurdReference) {
  LetterContent c = Simple();
  c.reference = std::string(201, 'x');
  Result<std::string> pdf = RenderLetterPdf(c);
  ASSERT_FALSE(pdf.has_value());
  EXPECT_EQ(pdf.error().code, ErrorCode::kInternal);
}

TEST(RenderLetterPdfTest, RejectsTextBeyondTwentyPages) {
  LetterContent c = Simple();
  c.paragraphs.assign(20 * 60, "Een regel.");  // ~21 pt per paragraph: well over 20 pages
  Result<std::string> pdf = RenderLetterPdf(c);
  ASSERT_FALSE(pdf.has_value());
  EXPECT_EQ(pdf.error().code, ErrorCode::kInternal);
  c.paragraphs.resize(200);  // about 6 pages: still fine
  EXPECT_TRUE(RenderLetterPdf(c).has_value());
}

TEST(RenderLetterPdfTest, ConcurrentCallsAreIndependent) {
  LetterContent a = Simple();
  LetterContent b = Simple();
  b.recipient_name = "Ëlise Bröcker-Çelik";
  b.code = "K7PX-M9QD-4HRW";
  const Result<std::string> want_a = RenderLetterPdf(a);
  const Result<std::string> want_b = RenderLetterPdf(b);
  ASSERT_TRUE(want_a && want_b);
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        const Result<std::string> got = RenderLetterPdf(t % 2 == 0 ? a : b);
        if (!got || *got != (t % 2 == 0 ? *want_a : *want_b)) ++mismatches;
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(RenderLetterPdfTest, CompressesContent) {
  // With compression on, no page content (text operators) appears in clear text.
  Result<std::string> pdf = RenderLetterPdf(Simple());
  ASSERT_TRUE(pdf);
  EXPECT_NE(pdf->find("/FlateDecode"), std::string::npos);
  EXPECT_EQ(pdf->find("korte brief"), std::string::npos);
}

// --- rendering, checked with poppler ------------------------------------------------------

TEST(RenderLetterPdfTest, ActivationLetterShowsRecipientDateAndCode) {
  SKIP_WITHOUT_POPPLER();
  const LetterContent c = ActivationCodeLetter(
      "Ëlise Bröcker-Çelik", {"Kerkstraat 12 a", "9711 AB  Groningen"}, kLetterDate,
      "Jürgen ’t Hoëlaar", {"Belastingaangifte inkomstenbelasting", "Toeslagen"},
      Date{year(2027), month(1), day(1)}, Date{year(2027), month(12), day(31)}, "K7PX-M9QD-4HRW",
      Date{year(2026), month(12), day(13)}, "5f0c7a2e-1b3d-4c5e-9f60-7182a3b4c5d6");
  const TempPdf path(c);
  const std::string text = PdfText(path);
  EXPECT_NE(text.find("Ëlise Bröcker-Çelik"), std::string::npos) << text;
  EXPECT_NE(text.find("Kerkstraat 12 a"), std::string::npos);
  EXPECT_NE(Squeeze(text).find("9711 AB Groningen"), std::string::npos);
  EXPECT_NE(text.find("29 november 2026"), std::string::npos);
  EXPECT_NE(text.find("Uw machtigingscode"), std::string::npos);
  EXPECT_NE(text.find("volmacht — Machtigingsdienst"), std::string::npos);
  EXPECT_NE(text.find("Retouradres"), std::string::npos);
  EXPECT_TRUE(std::regex_search(text, std::regex(R"(\b[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}\b)")));
  EXPECT_NE(text.find("K7PX-M9QD-4HRW"), std::string::npos);
  const std::string flat = Squeeze(text);
  EXPECT_NE(flat.find("Jürgen ’t Hoëlaar"), std::string::npos);
  EXPECT_NE(flat.find("vervalt vanzelf na 13 december 2026"), std::string::npos);
  EXPECT_NE(flat.find("Kenmerk 5f0c7a2e-1b3d-4c5e-9f60-7182a3b4c5d6"), std::string::npos);
  EXPECT_NE(flat.find("Pagina 1 van 1"), std::string::npos);
  EXPECT_EQ(PdfPages(path), 1);
}

TEST(RenderLetterPdfTest, AddressBlockSitsInTheEnvelopeWindow) {
  SKIP_WITHOUT_POPPLER();
  const std::string bbox = PdfText(TempPdf(Simple()), "-bbox");
  // <word xMin="62.3" yMin="170.1" xMax="..." yMax="...">Jansen</word>; y from the top.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      bbox, m, std::regex(R"re(<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>Dorpsstraat<)re")));
  const double mm = 72.0 / 25.4;
  EXPECT_NEAR(std::stod(m[1]) / mm, 22.0, 1.0);  // left edge of the window
  EXPECT_GT(std::stod(m[2]) / mm, 50.0);         // below the window top
  EXPECT_LT(std::stod(m[2]) / mm, 90.0);         // and above its bottom
}

TEST(RenderLetterPdfTest, PunctuationAndUnrepresentableCharacters) {
  SKIP_WITHOUT_POPPLER();
  LetterContent c = Simple();
  c.paragraphs = {"“Aanhalingstekens” – streepje — € 12,50 en ’s avonds; 漢 blijft ?"};
  const std::string flat = Squeeze(PdfText(TempPdf(c)));
  EXPECT_NE(flat.find("“Aanhalingstekens” – streepje — € 12,50 en ’s avonds; ? blijft ?"),
            std::string::npos)
      << flat;
}

TEST(RenderLetterPdfTest, LongParagraphsWrapWithinTheTextColumn) {
  SKIP_WITHOUT_POPPLER();
  LetterContent c = Simple();
  std::string para;
  for (int i = 0; i < 120; ++i) para += "wrapwoord" + std::to_string(i) + " ";
  para += std::string(300, 'X');  // one "word" wider than a line: must be cut, not overflow
  c.paragraphs = {para};
  const TempPdf path(c);

  // Geometry: every word lies inside the page and the text column (20 mm right margin).
  const std::string bbox = PdfText(path, "-bbox");
  const std::regex word(R"re(<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)")re");
  int words = 0;
  for (auto it = std::sregex_iterator(bbox.begin(), bbox.end(), word); it != std::sregex_iterator();
       ++it) {
    ++words;
    EXPECT_GE(std::stod((*it)[1]), 0.0);
    EXPECT_LE(std::stod((*it)[2]), kA4Width - 19.0 * 72.0 / 25.4) << it->str();
  }
  EXPECT_GT(words, 120);

  // Text: the paragraph is on many lines, none wider than a page of -layout text.
  const std::string text = PdfText(path);
  int lines_with_words = 0;
  for (const std::string& line : Lines(text)) {
    if (line.find("wrapwoord") != std::string::npos) ++lines_with_words;
    EXPECT_LE(line.size(), 130u) << line;
  }
  EXPECT_GE(lines_with_words, 10);
  const std::string flat = Squeeze(PdfText(path, "-raw"));
  EXPECT_NE(flat.find("wrapwoord0 wrapwoord1 wrapwoord2"), std::string::npos);
  EXPECT_NE(flat.find("wrapwoord118 wrapwoord119"), std::string::npos);
  size_t xs = 0;
  for (char ch : flat) xs += ch == 'X' ? 1 : 0;
  EXPECT_EQ(xs, 300u);  // the cut word lost no characters
}

TEST(RenderLetterPdfTest, VeryLongTextContinuesOnSecondPage) {
  SKIP_WITHOUT_POPPLER();
  LetterContent c = Simple();
  std::string para;
  constexpr int kWords = 450;
  for (int i = 0; i < kWords; ++i) {
    char w[16];
    std::snprintf(w, sizeof w, "woord%04d ", i);
    para += w;
  }
  c.paragraphs = {"Eerste alinea.", para, "Laatste alinea."};
  const TempPdf path(c);
  ASSERT_EQ(PdfPages(path), 2);

  // Every word appears exactly once, in order, across both pages.
  const std::string all = Squeeze(PdfText(path, "-raw"));
  size_t pos = 0;
  for (int i = 0; i < kWords; ++i) {
    char w[16];
    std::snprintf(w, sizeof w, "woord%04d", i);
    const size_t found = all.find(w, pos);
    ASSERT_NE(found, std::string::npos) << w;
    EXPECT_EQ(all.find(w, found + 1), std::string::npos) << w;
    pos = found;
  }
  const std::string page1 = Squeeze(PdfText(path, "-raw -f 1 -l 1"));
  const std::string page2 = Squeeze(PdfText(path, "-raw -f 2 -l 2"));
  EXPECT_NE(page1.find("woord0000"), std::string::npos);
  EXPECT_EQ(page1.find("Laatste alinea."), std::string::npos);
  EXPECT_NE(page2.find("woord0449"), std::string::npos);
  EXPECT_NE(page2.find("Laatste alinea."), std::string::npos);
  EXPECT_NE(page1.find("Pagina 1 van 2"), std::string::npos);
  EXPECT_NE(page2.find("Pagina 2 van 2"), std::string::npos);
  EXPECT_NE(page2.find("Kenmerk M-123"), std::string::npos);  // footer on every page

  // No body text runs into the footer: on each page the body words sit above "Kenmerk".
  for (int page = 1; page <= 2; ++page) {
    const std::string bbox =
        PdfText(path, "-bbox -f " + std::to_string(page) + " -l " + std::to_string(page));
    std::smatch m;
    ASSERT_TRUE(std::regex_search(
        bbox, m, std::regex(R"re(<word xMin="[\d.]+" yMin="([\d.]+)"[^>]*>Kenmerk<)re")));
    const double footer_top = std::stod(m[1]);
    const std::regex body(
        R"re(<word xMin="[\d.]+" yMin="[\d.]+" xMax="[\d.]+" yMax="([\d.]+)">woord)re");
    for (auto it = std::sregex_iterator(bbox.begin(), bbox.end(), body);
         it != std::sregex_iterator(); ++it) {
      EXPECT_LT(std::stod((*it)[1]), footer_top) << "page " << page;
    }
  }
}

TEST(RenderLetterPdfTest, DatesInSentencesAreNotSplitAcrossLines) {
  SKIP_WITHOUT_POPPLER();
  LetterContent c = Simple();
  c.paragraphs.clear();
  // Prefixes of growing length move the date over the end of the line at least once.
  std::string prefix;
  for (int i = 0; i < 30; ++i) {
    prefix += "ab ";
    c.paragraphs.push_back(prefix + "tot 13\u00A0december\u00A02026 klaar");
  }
  const std::string text = PdfText(TempPdf(c));
  int dates = 0;
  for (const std::string& line : Lines(text)) {
    if (line.find("december") == std::string::npos) continue;
    ++dates;
    EXPECT_NE(line.find("13 december 2026"), std::string::npos) << line;
  }
  EXPECT_EQ(dates, 30);
  EXPECT_EQ(text.find("\u00A0"), std::string::npos);  // drawn as ordinary spaces
}

TEST(RenderLetterPdfTest, EmptyAddressAndEmptyReferenceRender) {
  SKIP_WITHOUT_POPPLER();
  LetterContent c = Simple();
  c.address_lines.clear();
  c.reference.clear();
  const TempPdf path(c);
  const std::string text = PdfText(path);
  EXPECT_NE(text.find("J. Jansen"), std::string::npos);
  EXPECT_NE(text.find("29 november 2026"), std::string::npos);
  EXPECT_NE(text.find("Dit is een korte brief."), std::string::npos);
  EXPECT_EQ(text.find("Kenmerk"), std::string::npos);
  EXPECT_EQ(PdfPages(path), 1);
}

TEST(RenderLetterPdfTest, NoCodeBoxWithoutCode) {
  SKIP_WITHOUT_POPPLER();
  const std::string text = PdfText(TempPdf(Simple()));
  // The subject says "Uw machtigingscode"; the box label would be a second occurrence.
  const size_t first = text.find("Uw machtigingscode");
  ASSERT_NE(first, std::string::npos);
  EXPECT_EQ(text.find("Uw machtigingscode", first + 1), std::string::npos);
}

TEST(RenderLetterPdfTest, ConfirmationAndRevocationLettersRender) {
  SKIP_WITHOUT_POPPLER();
  const LetterContent confirm = ActivationConfirmationLetter(
      "Ëlise Bröcker-Çelik", {"Kerkstraat 12 a", "9711 AB  Groningen"}, kLetterDate, "Jan de Vries",
      LetterRecipientRole::kVertegenwoordigde, {"Toeslagen"}, Date{year(2027), month(1), day(1)},
      Date{year(2027), month(12), day(31)}, "REF-1");
  const std::string confirm_text = Squeeze(PdfText(TempPdf(confirm)));
  EXPECT_NE(confirm_text.find("Ëlise Bröcker-Çelik"), std::string::npos);
  EXPECT_NE(confirm_text.find("Uw machtiging is actief"), std::string::npos);
  EXPECT_NE(confirm_text.find("U heeft Jan de Vries gemachtigd"), std::string::npos);
  EXPECT_NE(confirm_text.find("• Toeslagen"), std::string::npos);
  EXPECT_NE(confirm_text.find("29 november 2026"), std::string::npos);

  const LetterContent revoke = RevocationConfirmationLetter(
      "Jan de Vries", {"Dorpsstraat 1", "1234 AB  Ons Dorp"}, kLetterDate, "Ëlise Bröcker-Çelik",
      {"Toeslagen"}, "Ëlise Bröcker-Çelik heeft de machtiging ingetrokken.", "REF-2");
  const std::string revoke_text = Squeeze(PdfText(TempPdf(revoke)));
  EXPECT_NE(revoke_text.find("Jan de Vries"), std::string::npos);
  EXPECT_NE(revoke_text.find("Dorpsstraat 1"), std::string::npos);
  EXPECT_NE(revoke_text.find("Uw machtiging is ingetrokken"), std::string::npos);
  EXPECT_NE(revoke_text.find("Ëlise Bröcker-Çelik heeft de machtiging ingetrokken."),
            std::string::npos);
  EXPECT_NE(revoke_text.find("Kenmerk REF-2"), std::string::npos);
}

}  // namespace
}  // namespace volmacht
