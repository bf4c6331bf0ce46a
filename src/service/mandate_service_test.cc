// Use-case tests against the real SqliteStore in a temp dir, a map-backed stand-in for the
// person register, and a ManualClock (the fixture: service/testing/service_fixture.h).
#include "service/mandate_service.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <thread>

#include "service/testing/service_fixture.h"

namespace volmacht {
namespace {

using namespace service_testing;  // NOLINT(build/namespaces): the fixture's names

// ----- Flow A -----

TEST_F(ServiceTest, FlowAEndToEnd) {
  WriteResult g = MustGrant(kAlice, {kS1});
  EXPECT_TRUE(std::regex_match(g.activation_code, std::regex("[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}")));
  EXPECT_EQ(g.mandate.mandate.state, MandateState::kRequested);
  EXPECT_EQ(g.mandate.principal.name, "Alice de Vries");
  EXPECT_GT(g.seq, 0u);
  const Uuid id = g.mandate.mandate.id;
  EXPECT_FALSE(Allowed(kBob, kAlice, kS1));

  // The agent sees both names before confirming; nothing changes.
  auto preview = svc_->PreviewActivation(bob_, kAlice, g.activation_code);
  ASSERT_TRUE(preview) << preview.error().message;
  EXPECT_EQ(preview->mandate_id, id);
  EXPECT_EQ(preview->principal.name, "Alice de Vries");
  EXPECT_EQ(preview->agent.name, "Bob Jansen");
  ASSERT_EQ(preview->services.size(), 1u);
  EXPECT_EQ(preview->services[0].id, kS1);
  EXPECT_EQ(StoredState(id), MandateState::kRequested);

  // Lower case without hyphens is the same code.
  std::string sloppy = g.activation_code;
  sloppy.erase(std::remove(sloppy.begin(), sloppy.end(), '-'), sloppy.end());
  std::transform(sloppy.begin(), sloppy.end(), sloppy.begin(), ::tolower);
  auto a = svc_->Activate(bob_, kAlice, sloppy);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->mandate.mandate.state, MandateState::kActive);
  ASSERT_TRUE(a->mandate.agent);
  EXPECT_EQ(a->mandate.agent->name, "Bob Jansen");
  EXPECT_GT(a->seq, g.seq);
  EXPECT_GE(svc_->IndexSeq(), a->seq);

  auto v = Verify(kBob, kAlice, kS1, Loa::kMidden, a->seq);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_TRUE(v->allowed);
  EXPECT_EQ(v->mandate, id);
  svc_->FlushUses();
  auto uses = store_->UsesOfMandate(id).value();
  ASSERT_EQ(uses.size(), 1u);
  EXPECT_EQ(uses[0].provider, kOin1);
  EXPECT_EQ(uses[0].service, kS1);

  // The principal got a confirmation.
  auto confirm = Letters("CONFIRM_ACTIVATION");
  ASSERT_EQ(confirm.size(), 1u);
  EXPECT_EQ(confirm[0].recipient, "bsn:" + kAlice.str());
  EXPECT_EQ(confirm[0].mandate_id, id.str());

  // A used code does not work twice.
  auto again = svc_->Activate(bob_, kAlice, g.activation_code);
  ASSERT_FALSE(again);

  auto r = svc_->Revoke(alice_, id);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->mandate.mandate.state, MandateState::kRevoked);
  EXPECT_EQ(r->mandate.mandate.end_reason, EndReason::kByPrincipal);
  EXPECT_FALSE(Verify(kBob, kAlice, kS1, Loa::kMidden, r->seq)->allowed);
  auto revoked = Letters("CONFIRM_REVOCATION");
  ASSERT_EQ(revoked.size(), 1u);
  EXPECT_EQ(revoked[0].recipient, "bsn:" + kBob.str());

  auto history = svc_->History(alice_, id);
  ASSERT_TRUE(history);
  std::vector<EventKind> kinds;
  for (const HistoryEntry& e : *history) kinds.push_back(e.kind);
  EXPECT_EQ(kinds, (std::vector<EventKind>{EventKind::kRequested, EventKind::kActivated,
                                           EventKind::kRevoked}));
  EXPECT_TRUE(std::is_sorted(history->begin(), history->end(),
                             [](const HistoryEntry& x, const HistoryEntry& y) { return x.seq < y.seq; }));
  // Who did it, as a role towards this mandate: the principal granted and revoked, the agent
  // activated; both on the web.
  EXPECT_EQ((*history)[0].by, ActorRole::kPrincipal);
  EXPECT_EQ((*history)[1].by, ActorRole::kAgent);
  EXPECT_EQ((*history)[2].by, ActorRole::kPrincipal);
  EXPECT_EQ((*history)[1].channel, Channel::kWeb);
  EXPECT_TRUE(store_->VerifyEventChain().value().ok);
}

TEST_F(ServiceTest, NamedAgentOnlyThatAgentActivates) {
  WriteResult g = MustGrant(kAlice, {kS1}, Party::Person(kBob), D(1985, 6, 15));
  auto by_carol = svc_->Activate(carol_, kAlice, g.activation_code);
  ASSERT_FALSE(by_carol);
  EXPECT_EQ(by_carol.error().code, ErrorCode::kInvalidArgument);
  auto by_bob = svc_->Activate(bob_, kAlice, g.activation_code);
  ASSERT_TRUE(by_bob) << by_bob.error().message;
  EXPECT_TRUE(Allowed(kBob, kAlice, kS1));
}

TEST_F(ServiceTest, GrantToNamedAgentWithWrongBirthOrUnknownBsnGivesOneAnswer) {
  uint64_t before = store_->LastSeq().value();
  GrantRequest g{{kS1}, std::nullopt, std::nullopt, Plus(Today(), 30), Party::Person(kBob),
                 D(1985, 6, 16)};
  auto wrong_birth = svc_->Grant(alice_, g);
  g.agent = Party::Person(kNobody);
  auto unknown = svc_->Grant(alice_, g);
  ASSERT_FALSE(wrong_birth);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(wrong_birth.error().code, ErrorCode::kRuleViolation);
  EXPECT_EQ(unknown.error().code, ErrorCode::kRuleViolation);
  EXPECT_EQ(wrong_birth.error().message, unknown.error().message);
  ASSERT_EQ(wrong_birth.error().params.size(), 1u);
  EXPECT_EQ(wrong_birth.error().params[0].code, unknown.error().params[0].code);
  // A person agent without a birth date is malformed input.
  g.agent = Party::Person(kBob);
  g.agent_birth.reset();
  auto missing = svc_->Grant(alice_, g);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->LastSeq().value(), before);
}

TEST_F(ServiceTest, GrantRulesComeFromTheDomain) {
  GrantRequest g{{kS1}, std::nullopt, std::nullopt, Plus(Today(), 30)};
  auto minor = svc_->Grant(Caller::Citizen(kMinor, Channel::kWeb), g);
  ASSERT_FALSE(minor);
  EXPECT_EQ(minor.error().code, ErrorCode::kRuleViolation);
  g.services = {U("99999999-9999-4999-8999-999999999999")};
  auto unknown = svc_->Grant(alice_, g);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kInvalidArgument);
  // An unnamed agent activating their own grant is refused.
  WriteResult own = MustGrant(kAlice, {kS1});
  auto self = svc_->Activate(alice_, kAlice, own.activation_code);
  ASSERT_FALSE(self);
  EXPECT_EQ(self.error().code, ErrorCode::kRuleViolation);
  // A minor cannot activate an unnamed grant.
  auto young = svc_->Activate(Caller::Citizen(kMinor, Channel::kWeb), kAlice, own.activation_code);
  ASSERT_FALSE(young);
  EXPECT_EQ(young.error().code, ErrorCode::kRuleViolation);
}

TEST_F(ServiceTest, DuplicateActiveMandateIsRefusedAtActivation) {
  MustActivate(kAlice, kBob);
  WriteResult second = MustGrant(kAlice, {kS1});
  auto a = svc_->Activate(bob_, kAlice, second.activation_code);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, ErrorCode::kRuleViolation);
}

// ----- Flow B -----

TEST_F(ServiceTest, FlowBSendsALetterWithTheCode) {
  AskRequest ask{kAlice, D(1960, 4, 1), {kS1}, std::nullopt, std::nullopt, Plus(Today(), 100)};
  auto r = svc_->Ask(bob_, ask);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->activation_code.empty());  // the agent never sees it
  EXPECT_EQ(r->mandate.mandate.state, MandateState::kRequested);
  EXPECT_EQ(r->mandate.mandate.initiator, Initiator::kAgent);
  const Uuid id = r->mandate.mandate.id;

  auto letters = Letters("ACTIVATION_CODE");
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters[0].recipient, "bsn:" + kAlice.str());
  EXPECT_EQ(letters[0].mandate_id, id.str());
  auto letter = store_->GetLetter(letters[0].id).value();
  ASSERT_TRUE(letter);
  EXPECT_EQ(letter->pdf.substr(0, 5), "%PDF-");

  std::string text = PdfText(letter->pdf);
  if (text.empty()) GTEST_SKIP() << "pdftotext not available";
  EXPECT_NE(text.find("Alice de Vries"), std::string::npos);
  EXPECT_NE(text.find("Bob Jansen"), std::string::npos);
  EXPECT_EQ(text.find(kAlice.str()), std::string::npos);  // no BSN in the letter
  std::smatch m;
  ASSERT_TRUE(std::regex_search(text, m, std::regex("[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}")));
  std::string code = m.str();

  auto a = svc_->Activate(bob_, kAlice, code);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->mandate.mandate.id, id);
  EXPECT_TRUE(Allowed(kBob, kAlice, kS1));
}

TEST_F(ServiceTest, FlowBPrincipalApprovesOnline) {
  AskRequest ask{kAlice, D(1960, 4, 1), {kS1}, std::nullopt, std::nullopt, Plus(Today(), 100)};
  auto r = svc_->Ask(bob_, ask);
  ASSERT_TRUE(r);
  const Uuid id = r->mandate.mandate.id;
  // The agent cannot approve their own request; a stranger does not know it exists.
  auto by_bob = svc_->Approve(bob_, id);
  ASSERT_FALSE(by_bob);
  EXPECT_EQ(by_bob.error().code, ErrorCode::kForbidden);
  auto by_carol = svc_->Approve(carol_, id);
  ASSERT_FALSE(by_carol);
  EXPECT_EQ(by_carol.error().code, ErrorCode::kNotFound);

  auto ok = svc_->Approve(alice_, id);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->mandate.mandate.state, MandateState::kActive);
  EXPECT_TRUE(Allowed(kBob, kAlice, kS1));
  auto confirm = Letters("CONFIRM_ACTIVATION");
  ASSERT_EQ(confirm.size(), 1u);
  EXPECT_EQ(confirm[0].recipient, "bsn:" + kBob.str());
  auto twice = svc_->Approve(alice_, id);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code, ErrorCode::kConflict);
}

TEST_F(ServiceTest, FlowBWrongBirthDateAndUnknownPrincipalLookTheSame) {
  uint64_t before = store_->LastSeq().value();
  AskRequest ask{kAlice, D(1960, 4, 2), {kS1}, std::nullopt, std::nullopt, Plus(Today(), 100)};
  auto wrong = svc_->Ask(bob_, ask);
  ask.principal = kNobody;
  auto unknown = svc_->Ask(bob_, ask);
  ASSERT_FALSE(wrong);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(wrong.error().code, ErrorCode::kRuleViolation);
  EXPECT_EQ(unknown.error().code, ErrorCode::kRuleViolation);
  EXPECT_EQ(wrong.error().message, unknown.error().message);
  ASSERT_EQ(wrong.error().params.size(), 1u);
  EXPECT_EQ(wrong.error().params[0].code, "geboortedatum.onjuist");
  EXPECT_EQ(unknown.error().params[0].code, "geboortedatum.onjuist");
  EXPECT_EQ(store_->LastSeq().value(), before);
  EXPECT_TRUE(store_->ListLetters().value().empty());
}

TEST_F(ServiceTest, FlowBWithoutAddressStillWritesTheLetterAndNotesIt) {
  // Frank's birth date is known only by year: any date in 1970 matches.
  AskRequest ask{kFrank, D(1970, 8, 8), {kS1}, std::nullopt, std::nullopt, Plus(Today(), 100)};
  auto r = svc_->Ask(bob_, ask);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(Letters("ACTIVATION_CODE").size(), 1u);
  auto types = EventTypes(r->mandate.mandate.id);
  EXPECT_NE(std::find(types.begin(), types.end(), "LETTER_NO_ADDRESS"), types.end());
}

// ----- Codes -----

TEST_F(ServiceTest, LockedAfterFiveWrongCodes) {
  WriteResult g = MustGrant(kAlice, {kS1});
  const Uuid id = g.mandate.mandate.id;
  std::string wrong = WrongCodeFor(g.activation_code);
  // A malformed code is not a try.
  auto malformed = svc_->Activate(bob_, kAlice, "not-a-code");
  ASSERT_FALSE(malformed);
  EXPECT_EQ(malformed.error().code, ErrorCode::kInvalidArgument);
  for (int i = 1; i <= 4; ++i) {
    auto r = i % 2 ? svc_->Activate(bob_, kAlice, wrong)
                   : Result<WriteResult>(std::unexpected(
                         svc_->PreviewActivation(bob_, kAlice, wrong).error()));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << "try " << i;
  }
  EXPECT_EQ(store_->GetActivationCode(id).value()->failed_attempts, 4);
  auto fifth = svc_->Activate(bob_, kAlice, wrong);
  ASSERT_FALSE(fifth);
  EXPECT_EQ(fifth.error().code, ErrorCode::kLocked);
  auto right = svc_->Activate(bob_, kAlice, g.activation_code);
  ASSERT_FALSE(right);
  EXPECT_EQ(right.error().code, ErrorCode::kLocked);
  EXPECT_EQ(StoredState(id), MandateState::kRequested);
  auto types = EventTypes(id);
  EXPECT_EQ(std::count(types.begin(), types.end(), "CODE_FAILED"), 5);
  EXPECT_EQ(std::count(types.begin(), types.end(), "CODE_LOCKED"), 1);
}

TEST_F(ServiceTest, CodeForSomeoneWithoutARequestIsJustWrong) {
  auto r = svc_->Activate(bob_, kCarol, "AAAA-AAAA-AAAA");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(ServiceTest, ConcurrentActivationsOfOneRequestOnlyOneWins) {
  WriteResult g = MustGrant(kAlice, {kS1});
  std::vector<Bsn> agents = {kBob, kCarol, kBob, kCarol};
  std::vector<Result<WriteResult>> results(agents.size(), Fail(Error::Internal("not run")));
  std::vector<std::thread> threads;
  for (size_t i = 0; i < agents.size(); ++i) {
    threads.emplace_back([&, i] {
      results[i] = svc_->Activate(Caller::Citizen(agents[i], Channel::kWeb), kAlice,
                                  g.activation_code);
    });
  }
  for (auto& t : threads) t.join();
  int wins = 0;
  for (auto& r : results) wins += r.has_value() ? 1 : 0;
  EXPECT_EQ(wins, 1);
  auto events = EventTypes(g.mandate.mandate.id);
  EXPECT_EQ(std::count(events.begin(), events.end(), "ACTIVATED"), 1);
}

// Two nodes, each with its own store on the one database and its own service: a lock in one
// process cannot keep them apart. Each try of ours reads the code record, and then the other
// node makes a whole wrong try before ours is counted. Both tries count: the one that comes
// second conflicts on the record it read, reads it again and counts on top.
TEST_F(ServiceTest, TwoNodesCannotTogetherTryACodeMoreThanFiveTimes) {
  WriteResult g = MustGrant(kAlice, {kS1});
  const Uuid id = g.mandate.mandate.id;
  const std::string wrong = WrongCodeFor(g.activation_code);
  auto other_store = SqliteStore::Open(dir_ + "/volmacht.db", clock_);
  ASSERT_TRUE(other_store) << other_store.error().message;
  auto other = MandateService::Create(**other_store, registry_, clock_, {std::string(32, 'k')});
  ASSERT_TRUE(other) << other.error().message;
  RacingStore racing(*store_);
  svc_.reset();
  auto ours = MandateService::Create(racing, registry_, clock_, {std::string(32, 'k')});
  ASSERT_TRUE(ours) << ours.error().message;

  std::vector<std::optional<ErrorCode>> theirs;
  bool race = false;
  racing.after_code_read = [&] {
    if (!race) return;
    race = false;  // once per try of ours: its second read is left alone
    auto r = (*other)->Activate(bob_, kAlice, wrong);
    theirs.push_back(Refusal(r));
  };
  std::vector<std::optional<ErrorCode>> mine;
  for (int i = 0; i < 3; ++i) {
    race = true;
    auto r = (*ours)->Activate(bob_, kAlice, wrong);
    mine.push_back(Refusal(r));
  }
  racing.after_code_read = nullptr;
  // Tries 1 and 3 are theirs, 2 and 4 ours; theirs is the fifth and locks; ours then finds
  // the record locked.
  const std::vector<std::optional<ErrorCode>> expected = {
      ErrorCode::kInvalidArgument, ErrorCode::kInvalidArgument, ErrorCode::kLocked};
  EXPECT_EQ(theirs, expected);
  EXPECT_EQ(mine, expected);
  EXPECT_EQ(store_->GetActivationCode(id).value()->failed_attempts, 5);

  // The right code no longer works, on either node.
  auto right = (*ours)->Activate(bob_, kAlice, g.activation_code);
  ASSERT_FALSE(right);
  EXPECT_EQ(right.error().code, ErrorCode::kLocked);
  auto right_there = (*other)->Activate(bob_, kAlice, g.activation_code);
  ASSERT_FALSE(right_there);
  EXPECT_EQ(right_there.error().code, ErrorCode::kLocked);
  EXPECT_EQ(StoredState(id), MandateState::kRequested);
  auto types = EventTypes(id);
  EXPECT_EQ(std::count(types.begin(), types.end(), "CODE_FAILED"), 5);
  EXPECT_EQ(std::count(types.begin(), types.end(), "CODE_LOCKED"), 1);
}

// Wrong tries from many threads on two nodes: whatever the interleaving, each is counted
// before it is answered. Four are answered "wrong", the fifth locks, the rest find it
// locked; none is answered with a conflict (which would tell a wrong code from a right one
// without counting the try).
TEST_F(ServiceTest, ConcurrentWrongCodesOnTwoNodesAreEachCounted) {
  WriteResult g = MustGrant(kAlice, {kS1});
  const Uuid id = g.mandate.mandate.id;
  const std::string wrong = WrongCodeFor(g.activation_code);
  auto other_store = SqliteStore::Open(dir_ + "/volmacht.db", clock_);
  ASSERT_TRUE(other_store) << other_store.error().message;
  auto other = MandateService::Create(**other_store, registry_, clock_, {std::string(32, 'k')});
  ASSERT_TRUE(other) << other.error().message;
  constexpr int kTries = 12;
  std::vector<Result<ActivationPreview>> results(kTries, Fail(Error::Internal("not run")));
  std::vector<std::thread> threads;
  for (int i = 0; i < kTries; ++i) {
    threads.emplace_back([&, i] {
      MandateService& node = i % 2 ? **other : *svc_;
      results[static_cast<size_t>(i)] = node.PreviewActivation(bob_, kAlice, wrong);
    });
  }
  for (auto& t : threads) t.join();
  std::map<std::optional<ErrorCode>, int> answers;
  for (const auto& r : results) ++answers[Refusal(r)];
  EXPECT_EQ(answers, (std::map<std::optional<ErrorCode>, int>{
                         {ErrorCode::kInvalidArgument, 4}, {ErrorCode::kLocked, kTries - 4}}));
  EXPECT_EQ(store_->GetActivationCode(id).value()->failed_attempts, 5);
  auto types = EventTypes(id);
  EXPECT_EQ(std::count(types.begin(), types.end(), "CODE_FAILED"), 5);
  EXPECT_EQ(std::count(types.begin(), types.end(), "CODE_LOCKED"), 1);
}

// ----- Authorisation -----

TEST_F(ServiceTest, DeclineIsForTheOtherPartyWithdrawForBoth) {
  AskRequest ask{kAlice, D(1960, 4, 1), {kS1}, std::nullopt, std::nullopt, Plus(Today(), 100)};
  Uuid asked = svc_->Ask(bob_, ask)->mandate.mandate.id;
  auto decline_by_initiator = svc_->Decline(bob_, asked);
  ASSERT_FALSE(decline_by_initiator);
  EXPECT_EQ(decline_by_initiator.error().code, ErrorCode::kForbidden);
  auto declined = svc_->Decline(alice_, asked);
  ASSERT_TRUE(declined) << declined.error().message;
  EXPECT_EQ(declined->mandate.mandate.state, MandateState::kRejected);

  // Flow A named agent: the agent declines, the principal may not.
  Uuid granted = MustGrant(kAlice, {kS1}, Party::Person(kBob), D(1985, 6, 15)).mandate.mandate.id;
  auto by_principal = svc_->Decline(alice_, granted);
  ASSERT_FALSE(by_principal);
  EXPECT_EQ(by_principal.error().code, ErrorCode::kForbidden);
  ASSERT_TRUE(svc_->Decline(bob_, granted));

  // Withdraw: either party, whoever initiated.
  Uuid w1 = svc_->Ask(bob_, ask)->mandate.mandate.id;
  Uuid w2 = svc_->Ask(bob_, ask)->mandate.mandate.id;
  auto by_agent = svc_->Withdraw(bob_, w1);
  ASSERT_TRUE(by_agent) << by_agent.error().message;
  EXPECT_EQ(by_agent->mandate.mandate.state, MandateState::kWithdrawn);
  ASSERT_TRUE(svc_->Withdraw(alice_, w2));
  auto stranger = svc_->Withdraw(carol_, w2);
  ASSERT_FALSE(stranger);
  EXPECT_EQ(stranger.error().code, ErrorCode::kNotFound);
  // An ACTIVE mandate is revoked, not withdrawn.
  Uuid active = MustActivate(kAlice, kBob).mandate.mandate.id;
  auto withdraw_active = svc_->Withdraw(alice_, active);
  ASSERT_FALSE(withdraw_active);
  EXPECT_EQ(withdraw_active.error().code, ErrorCode::kConflict);
}

TEST_F(ServiceTest, RevokeByAgentAndStrangersDoNotSeeIt) {
  Uuid id = MustActivate(kAlice, kBob).mandate.mandate.id;
  auto stranger = svc_->Revoke(carol_, id);
  ASSERT_FALSE(stranger);
  EXPECT_EQ(stranger.error().code, ErrorCode::kNotFound);
  auto details = svc_->Details(carol_, id);
  ASSERT_FALSE(details);
  EXPECT_EQ(details.error().code, ErrorCode::kNotFound);
  auto by_agent = svc_->Revoke(bob_, id);
  ASSERT_TRUE(by_agent) << by_agent.error().message;
  EXPECT_EQ(by_agent->mandate.mandate.end_reason, EndReason::kByAgent);
  auto letters = Letters("CONFIRM_REVOCATION");
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters[0].recipient, "bsn:" + kAlice.str());
  auto twice = svc_->Revoke(alice_, id);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code, ErrorCode::kConflict);
}

TEST_F(ServiceTest, RestrictNarrowsOnly) {
  Uuid id = MustActivate(kAlice, kBob, {kS1, kS2}).mandate.mandate.id;
  EXPECT_TRUE(Allowed(kBob, kAlice, kS2, Loa::kSubstantieel));
  auto stranger = svc_->Restrict(carol_, id, {{kS2}, Plus(Today(), 30)});
  ASSERT_FALSE(stranger);
  EXPECT_EQ(stranger.error().code, ErrorCode::kNotFound);
  auto wider = svc_->Restrict(alice_, id, {{kS1, kS2, kS3}, Plus(Today(), 30)});
  ASSERT_FALSE(wider);
  EXPECT_EQ(wider.error().code, ErrorCode::kRuleViolation);
  auto r = svc_->Restrict(bob_, id, {{kS2}, Plus(Today(), 30)});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->mandate.mandate.services, std::vector<Uuid>{kS2});
  EXPECT_FALSE(Allowed(kBob, kAlice, kS1));
  EXPECT_TRUE(Allowed(kBob, kAlice, kS2, Loa::kSubstantieel));
}

TEST_F(ServiceTest, ProviderForCitizenStaysWithinItsOwnServices) {
  Caller p1_for_alice = Caller::ProviderForCitizen(kOin1, kAlice, Channel::kApi);
  Caller p2_for_alice = Caller::ProviderForCitizen(kOin2, kAlice, Channel::kApi);
  GrantRequest g{{kS3}, std::nullopt, std::nullopt, Plus(Today(), 30)};
  auto foreign = svc_->Grant(p1_for_alice, g);
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().code, ErrorCode::kForbidden);
  GrantRequest via_set{{}, kSet, std::nullopt, Plus(Today(), 30)};
  auto foreign_set = svc_->Grant(p1_for_alice, via_set);
  ASSERT_FALSE(foreign_set);
  EXPECT_EQ(foreign_set.error().code, ErrorCode::kForbidden);

  // A citizen's own grant of the set covers both providers' services.
  auto both = svc_->Grant(alice_, via_set);
  ASSERT_TRUE(both) << both.error().message;
  EXPECT_EQ(both->mandate.services.size(), 2u);
  const Uuid both_id = both->mandate.mandate.id;
  // Each provider sees it, but only its own service.
  auto seen_by_1 = svc_->Details(p1_for_alice, both_id);
  ASSERT_TRUE(seen_by_1) << seen_by_1.error().message;
  ASSERT_EQ(seen_by_1->services.size(), 1u);
  EXPECT_EQ(seen_by_1->services[0].id, kS1);
  EXPECT_EQ(seen_by_1->mandate.services, std::vector<Uuid>{kS1});

  // A mandate with only provider 1's service does not exist for provider 2.
  Uuid only_1 = MustGrant(kAlice, {kS1}).mandate.mandate.id;
  auto hidden = svc_->Details(p2_for_alice, only_1);
  ASSERT_FALSE(hidden);
  EXPECT_EQ(hidden.error().code, ErrorCode::kNotFound);
  auto hidden_revoke = svc_->Withdraw(p2_for_alice, only_1);
  ASSERT_FALSE(hidden_revoke);
  EXPECT_EQ(hidden_revoke.error().code, ErrorCode::kNotFound);
  auto listed = svc_->ListGiven(p2_for_alice);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].mandate.id, both_id);
  // Provider 1 acting for Alice may withdraw its own.
  ASSERT_TRUE(svc_->Withdraw(p1_for_alice, only_1));

  // Verifying another provider's service is forbidden.
  auto v = Verify(kBob, kAlice, kS3);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, ErrorCode::kForbidden);
}

TEST_F(ServiceTest, CatalogueIsForAdminsAndRefreshesAtOnce) {
  Service s;
  s.id = U("66666666-6666-4666-8666-666666666666");
  s.provider = kOin2;
  s.name_nl = "Nieuw";
  auto by_citizen = svc_->PutService(alice_, s);
  ASSERT_FALSE(by_citizen);
  EXPECT_EQ(by_citizen.error().code, ErrorCode::kForbidden);
  auto grant_by_admin = svc_->Grant(Caller::Admin(), {{kS1}, std::nullopt, std::nullopt,
                                                      Plus(Today(), 30)});
  ASSERT_FALSE(grant_by_admin);
  EXPECT_EQ(grant_by_admin.error().code, ErrorCode::kForbidden);
  s.provider = O("00000004000000000099");
  auto unknown_provider = svc_->PutService(Caller::Admin(), s);
  ASSERT_FALSE(unknown_provider);
  EXPECT_EQ(unknown_provider.error().code, ErrorCode::kInvalidArgument);
  s.provider = kOin2;
  auto seq = svc_->PutService(Caller::Admin(), s);
  ASSERT_TRUE(seq) << seq.error().message;
  EXPECT_GE(svc_->IndexSeq(), *seq);
  ASSERT_TRUE(svc_->FindService(s.id));
  EXPECT_EQ(svc_->FindService(s.id)->name_nl, "Nieuw");
  EXPECT_EQ(svc_->Services().size(), 5u);
  EXPECT_EQ(svc_->Providers().size(), 2u);
  EXPECT_EQ(svc_->ServiceSets().size(), 1u);
}

// ----- Counter kinds -----

TEST_F(ServiceTest, DirectMandateAtTheCounter) {
  Caller clerk1 = Caller::Clerk(kOin1, "medewerker-7");
  Caller clerk2 = Caller::Clerk(kOin2, "medewerker-9");  // no counter addendum
  Evidence ev{"PASPOORT", "NW1234567", ""};
  DirectRequest req{kAlice, {kS1}, std::nullopt, Plus(Today(), 200), ev};
  auto no_addendum = svc_->CreateDirect(clerk2, DirectRequest{kAlice, {kS3}, std::nullopt,
                                                               Plus(Today(), 200), ev});
  ASSERT_FALSE(no_addendum);
  EXPECT_EQ(no_addendum.error().code, ErrorCode::kForbidden);
  auto foreign = svc_->CreateDirect(clerk1, DirectRequest{kAlice, {kS3}, std::nullopt,
                                                          Plus(Today(), 200), ev});
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().code, ErrorCode::kForbidden);
  auto no_evidence = svc_->CreateDirect(clerk1, DirectRequest{kAlice, {kS1}, std::nullopt,
                                                              Plus(Today(), 200), std::nullopt});
  ASSERT_FALSE(no_evidence);
  EXPECT_EQ(no_evidence.error().code, ErrorCode::kInvalidArgument);

  auto r = svc_->CreateDirect(clerk1, req);
  ASSERT_TRUE(r) << r.error().message;
  const Mandate& m = r->mandate.mandate;
  EXPECT_EQ(m.kind, MandateKind::kDirect);
  EXPECT_EQ(m.state, MandateState::kActive);
  ASSERT_TRUE(m.agent);
  EXPECT_EQ(*m.agent, Party::Provider(kOin1));
  ASSERT_TRUE(m.evidence);
  EXPECT_EQ(m.evidence->clerk, "medewerker-7");
  EXPECT_EQ(r->mandate.agent->name, "Belastingdienst");
  auto v = svc_->Verify(Caller::ProviderItself(kOin1, Channel::kApi),
                        {Party::Provider(kOin1), kAlice, kS1, Loa::kMidden, r->seq});
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->allowed);
  EXPECT_EQ(Letters("CONFIRM_ACTIVATION").size(), 1u);

  // The clerk sees its DIRECT mandates, not voluntary ones.
  ASSERT_TRUE(svc_->Details(clerk1, m.id));
  Uuid voluntary = MustGrant(kAlice, {kS1}).mandate.mandate.id;
  auto hidden = svc_->Details(clerk1, voluntary);
  ASSERT_FALSE(hidden);
  EXPECT_EQ(hidden.error().code, ErrorCode::kNotFound);
  auto other_clerk = svc_->Revoke(clerk2, m.id);
  ASSERT_FALSE(other_clerk);
  EXPECT_EQ(other_clerk.error().code, ErrorCode::kNotFound);

  // The provider itself revokes; the principal gets a letter.
  auto revoked = svc_->Revoke(Caller::ProviderItself(kOin1, Channel::kApi), m.id);
  ASSERT_TRUE(revoked) << revoked.error().message;
  EXPECT_EQ(revoked->mandate.mandate.end_reason, EndReason::kByProvider);
  auto letters = Letters("CONFIRM_REVOCATION");
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters[0].recipient, "bsn:" + kAlice.str());
}

TEST_F(ServiceTest, DirectMandateOnlineByTheCitizenThroughTheProvider) {
  Caller p1_for_alice = Caller::ProviderForCitizen(kOin1, kAlice, Channel::kSoap);
  auto other_person = svc_->CreateDirect(p1_for_alice,
                                         {kBob, {kS1}, std::nullopt, Plus(Today(), 10), {}});
  ASSERT_FALSE(other_person);
  EXPECT_EQ(other_person.error().code, ErrorCode::kForbidden);
  auto r = svc_->CreateDirect(p1_for_alice, {kAlice, {kS1}, std::nullopt, Plus(Today(), 10), {}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->mandate.mandate.initiator, Initiator::kPrincipal);
  auto dup = svc_->CreateDirect(p1_for_alice, {kAlice, {kS1}, std::nullopt, Plus(Today(), 10), {}});
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, ErrorCode::kRuleViolation);
}

TEST_F(ServiceTest, SurvivorMandate) {
  Caller clerk1 = Caller::Clerk(kOin1, "medewerker-7");
  Evidence ev{"VERKLARING_VAN_ERFRECHT", "VVE-2026-001", ""};
  SurvivorRequest req{kEve, Party::Person(kBob), {kS1}, std::nullopt, Plus(Today(), 365), ev};
  auto by_citizen = svc_->CreateSurvivor(bob_, req);
  ASSERT_FALSE(by_citizen);
  EXPECT_EQ(by_citizen.error().code, ErrorCode::kForbidden);
  auto r = svc_->CreateSurvivor(clerk1, req);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->mandate.mandate.kind, MandateKind::kSurvivor);
  EXPECT_EQ(r->mandate.mandate.state, MandateState::kActive);
  EXPECT_TRUE(Allowed(kBob, kEve, kS1));
  // One per deceased per provider.
  req.survivor = Party::Person(kCarol);
  auto second = svc_->CreateSurvivor(clerk1, req);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kRuleViolation);
  // The principal must be deceased.
  req.deceased = kAlice;
  auto alive = svc_->CreateSurvivor(clerk1, req);
  ASSERT_FALSE(alive);
  EXPECT_EQ(alive.error().code, ErrorCode::kRuleViolation);
  // Touching it (the principal is dead, as expected) does not revoke it.
  auto details = svc_->Details(clerk1, r->mandate.mandate.id);
  ASSERT_TRUE(details);
  EXPECT_EQ(details->mandate.state, MandateState::kActive);
  // The survivor sees it among received mandates.
  auto received = svc_->ListReceived(bob_);
  ASSERT_TRUE(received);
  ASSERT_EQ(received->size(), 1u);
  auto revoked = svc_->Revoke(clerk1, r->mandate.mandate.id);
  ASSERT_TRUE(revoked) << revoked.error().message;
  EXPECT_FALSE(Allowed(kBob, kEve, kS1));
}

// ----- Time -----

TEST_F(ServiceTest, RequestLapsesLazilyAndBySweep) {
  WriteResult g1 = MustGrant(kAlice, {kS1});
  WriteResult g2 = MustGrant(kCarol, {kS2});  // another principal: untouched by Alice's
  clock_.Advance(days(21));  // request_validity_days = 21
  auto d = svc_->Details(alice_, g1.mandate.mandate.id);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->mandate.state, MandateState::kLapsed);           // shown
  EXPECT_EQ(StoredState(g1.mandate.mandate.id), MandateState::kRequested);  // not yet written
  // A write persists it first; the code no longer works.
  auto a = svc_->Activate(bob_, kAlice, g1.activation_code);
  ASSERT_FALSE(a);
  EXPECT_EQ(StoredState(g1.mandate.mandate.id), MandateState::kLapsed);
  // The sweep catches the other one.
  EXPECT_EQ(StoredState(g2.mandate.mandate.id), MandateState::kRequested);
  auto swept = svc_->Sweep();
  ASSERT_TRUE(swept) << swept.error().message;
  EXPECT_EQ(*swept, 1);
  EXPECT_EQ(StoredState(g2.mandate.mandate.id), MandateState::kLapsed);
  auto types = EventTypes(g2.mandate.mandate.id);
  EXPECT_EQ(types.back(), "LAPSED");
  EXPECT_EQ(*svc_->Sweep(), 0);
}

TEST_F(ServiceTest, CodeStillWorksOnTheLastDay) {
  WriteResult g = MustGrant(kAlice, {kS1});
  clock_.Advance(days(20));
  ASSERT_TRUE(svc_->Activate(bob_, kAlice, g.activation_code));
}

TEST_F(ServiceTest, ActiveMandateExpires) {
  WriteResult a = MustActivate(kAlice, kBob, {kS1}, /*end_days=*/5);
  EXPECT_TRUE(Allowed(kBob, kAlice, kS1));
  clock_.Advance(days(5));
  EXPECT_TRUE(Allowed(kBob, kAlice, kS1));  // the end date is inclusive
  clock_.Advance(days(1));
  EXPECT_FALSE(Allowed(kBob, kAlice, kS1));
  auto d = svc_->Details(bob_, a.mandate.mandate.id);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->mandate.state, MandateState::kExpired);
  ASSERT_EQ(*svc_->Sweep(), 1);
  EXPECT_EQ(StoredState(a.mandate.mandate.id), MandateState::kExpired);
  auto revoke = svc_->Revoke(alice_, a.mandate.mandate.id);
  ASSERT_FALSE(revoke);
  EXPECT_EQ(revoke.error().code, ErrorCode::kConflict);
}

// ----- Death and the register -----

TEST_F(ServiceTest, DeathIsAppliedAtTheNextTouch) {
  Uuid id = MustActivate(kAlice, kBob).mandate.mandate.id;
  registry_.Die(kBob, Today());
  // Verification does not read the register; the next touch does.
  auto restrict = svc_->Restrict(alice_, id, {{kS1}, Plus(Today(), 10)});
  ASSERT_FALSE(restrict);
  EXPECT_EQ(restrict.error().code, ErrorCode::kConflict);
  auto stored = store_->GetMandate(id).value().value();
  EXPECT_EQ(stored.state, MandateState::kRevoked);
  EXPECT_EQ(stored.end_reason, EndReason::kDeceased);
  EXPECT_FALSE(Allowed(kBob, kAlice, kS1));
  EXPECT_EQ(EventTypes(id).back(), "REVOKED");
}

TEST_F(ServiceTest, DeathIsAppliedWhenListing) {
  Uuid id = MustActivate(kAlice, kBob).mandate.mandate.id;
  registry_.Die(kAlice, Today());
  auto list = svc_->ListReceived(bob_);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].mandate.state, MandateState::kRevoked);
  EXPECT_EQ(StoredState(id), MandateState::kRevoked);
}

TEST_F(ServiceTest, RegisterDownMeansUnavailableAndNothingWritten) {
  Uuid id = MustActivate(kAlice, kBob).mandate.mandate.id;
  WriteResult pending = MustGrant(kAlice, {kS2});
  uint64_t before = store_->LastSeq().value();
  size_t letters = store_->ListLetters().value().size();
  registry_.SetDown(true);
  auto revoke = svc_->Revoke(alice_, id);
  ASSERT_FALSE(revoke);
  EXPECT_EQ(revoke.error().code, ErrorCode::kUnavailable);
  auto grant = svc_->Grant(alice_, {{kS1}, std::nullopt, std::nullopt, Plus(Today(), 30)});
  ASSERT_FALSE(grant);
  EXPECT_EQ(grant.error().code, ErrorCode::kUnavailable);
  auto ask = svc_->Ask(bob_, {kAlice, D(1960, 4, 1), {kS1}, std::nullopt, std::nullopt,
                              Plus(Today(), 30)});
  ASSERT_FALSE(ask);
  EXPECT_EQ(ask.error().code, ErrorCode::kUnavailable);
  auto act = svc_->Activate(bob_, kAlice, pending.activation_code);
  ASSERT_FALSE(act);
  EXPECT_EQ(act.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(store_->LastSeq().value(), before);
  EXPECT_EQ(store_->ListLetters().value().size(), letters);
  EXPECT_EQ(StoredState(id), MandateState::kActive);
  // Verification never needs the register.
  EXPECT_TRUE(Allowed(kBob, kAlice, kS1));
  registry_.SetDown(false);
  ASSERT_TRUE(svc_->Revoke(alice_, id));
}

// ----- Verification -----

TEST_F(ServiceTest, VerifyRefusesLowLoaInactiveServiceAndNotYetStarted) {
  MustActivate(kAlice, kBob, {kS2, kS4});
  EXPECT_FALSE(Allowed(kBob, kAlice, kS2, Loa::kMidden));  // S2 needs Substantieel
  EXPECT_TRUE(Allowed(kBob, kAlice, kS2, Loa::kSubstantieel));
  EXPECT_TRUE(Allowed(kBob, kAlice, kS2, Loa::kHoog));
  EXPECT_TRUE(Allowed(kBob, kAlice, kS4));
  clock_.Advance(days(3));  // S4 active until 12 March
  EXPECT_FALSE(Allowed(kBob, kAlice, kS4));
  EXPECT_TRUE(Allowed(kBob, kAlice, kS2, Loa::kSubstantieel));
  auto list = svc_->ForWhom(Caller::ProviderItself(kOin1, Channel::kApi), Party::Person(kBob),
                            kS4, Loa::kMidden);
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->empty());

  // Not started yet.
  MustActivate(kCarol, kBob, {kS1}, 100, Plus(Today(), 2));
  EXPECT_FALSE(Allowed(kBob, kCarol, kS1));
  clock_.Advance(days(2));
  EXPECT_TRUE(Allowed(kBob, kCarol, kS1));
}

TEST_F(ServiceTest, VerifyIsForProvidersOnly) {
  auto by_citizen = svc_->Verify(alice_, {Party::Person(kBob), kAlice, kS1});
  ASSERT_FALSE(by_citizen);
  EXPECT_EQ(by_citizen.error().code, ErrorCode::kForbidden);
  auto unknown = Verify(kBob, kAlice, U("99999999-9999-4999-8999-999999999999"));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kForbidden);
}

TEST_F(ServiceTest, ForWhomListsPrincipals) {
  Uuid from_alice = MustActivate(kAlice, kBob).mandate.mandate.id;
  Uuid from_carol = MustActivate(kCarol, kBob).mandate.mandate.id;
  MustActivate(kAlice, kCarol);
  auto list = svc_->ForWhom(Caller::ProviderItself(kOin1, Channel::kSaml), Party::Person(kBob),
                            kS1, Loa::kMidden);
  ASSERT_TRUE(list) << list.error().message;
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].principal, kCarol);  // sorted by principal
  EXPECT_EQ((*list)[0].mandate, from_carol);
  EXPECT_EQ((*list)[1].principal, kAlice);
  EXPECT_EQ((*list)[1].mandate, from_alice);
  auto foreign = svc_->ForWhom(Caller::ProviderItself(kOin2, Channel::kSaml),
                               Party::Person(kBob), kS1, Loa::kMidden);
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().code, ErrorCode::kForbidden);
}

TEST_F(ServiceTest, MinSeqDemandsFreshEnoughData) {
  WriteResult a = MustActivate(kAlice, kBob);
  EXPECT_EQ(svc_->IndexSeq(), store_->LastSeq().value());
  auto fresh = Verify(kBob, kAlice, kS1, Loa::kMidden, a.seq);
  ASSERT_TRUE(fresh);
  EXPECT_TRUE(fresh->allowed);
  auto future = Verify(kBob, kAlice, kS1, Loa::kMidden, svc_->IndexSeq() + 1);
  ASSERT_FALSE(future);
  EXPECT_EQ(future.error().code, ErrorCode::kUnavailable);
}

TEST_F(ServiceTest, RestartRebuildsTheSameIndex) {
  Uuid kept = MustActivate(kAlice, kBob, {kS1, kS2}).mandate.mandate.id;
  Uuid gone = MustActivate(kCarol, kBob).mandate.mandate.id;
  ASSERT_TRUE(svc_->Revoke(carol_, gone));
  MustGrant(kAlice, {kS1});  // pending: not in the index
  uint64_t seq = svc_->IndexSeq();

  svc_.reset();
  StartService();
  EXPECT_EQ(svc_->IndexSeq(), seq);
  auto v = Verify(kBob, kAlice, kS2, Loa::kHoog, seq);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_TRUE(v->allowed);
  EXPECT_EQ(v->mandate, kept);
  EXPECT_FALSE(Allowed(kBob, kCarol, kS1));
  EXPECT_EQ(svc_->Services().size(), 4u);
  auto list = svc_->ForWhom(Caller::ProviderItself(kOin1, Channel::kApi), Party::Person(kBob),
                            kS1, Loa::kMidden);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].mandate, kept);
}

TEST_F(ServiceTest, UsesAreFlushedOnDestruction) {
  Uuid id = MustActivate(kAlice, kBob).mandate.mandate.id;
  EXPECT_TRUE(Allowed(kBob, kAlice, kS1));
  clock_.Advance(std::chrono::minutes(1));
  EXPECT_TRUE(Allowed(kBob, kAlice, kS1));
  svc_.reset();
  EXPECT_EQ(store_->UsesOfMandate(id).value().size(), 2u);
  StartService();
}

TEST_F(ServiceTest, UsesAreRecordedToTheMinute) {
  Uuid id = MustActivate(kAlice, kBob).mandate.mandate.id;
  for (int i = 0; i < 50; ++i) EXPECT_TRUE(Allowed(kBob, kAlice, kS1));
  svc_->FlushUses();
  ASSERT_EQ(store_->UsesOfMandate(id).value().size(), 1u);  // fifty in one minute: one use
  clock_.Advance(std::chrono::seconds(61));
  EXPECT_TRUE(Allowed(kBob, kAlice, kS1));
  EXPECT_TRUE(Allowed(kBob, kAlice, kS1));
  svc_->FlushUses();
  auto uses = store_->UsesOfMandate(id).value();
  ASSERT_EQ(uses.size(), 2u);  // a new minute: a new use
  EXPECT_NE(uses[0].at, uses[1].at);
  // A use through another channel in the same minute is a use of its own.
  svc_->RecordUse(MandateUse{id, kOin1, kS1, Channel::kSaml, clock_.Now()});
  svc_->FlushUses();
  EXPECT_EQ(store_->UsesOfMandate(id).value().size(), 3u);
}

TEST_F(ServiceTest, ListsGivenAndReceived) {
  MustActivate(kAlice, kBob);
  MustGrant(kAlice, {kS2});
  MustActivate(kCarol, kAlice);
  auto given = svc_->ListGiven(alice_);
  ASSERT_TRUE(given);
  EXPECT_EQ(given->size(), 2u);
  auto received = svc_->ListReceived(alice_);
  ASSERT_TRUE(received);
  ASSERT_EQ(received->size(), 1u);
  EXPECT_EQ((*received)[0].principal.name, "Carol Bakker");
  auto clerk = svc_->ListGiven(Caller::Clerk(kOin1, "x"));
  ASSERT_FALSE(clerk);
  EXPECT_EQ(clerk.error().code, ErrorCode::kForbidden);
}

TEST_F(ServiceTest, OpenRequestCapCountsOnlyRequestsStillOpen) {
  for (int i = 0; i < kMaxOpenRequests; ++i) MustGrant(kAlice, {kS1});
  auto over = svc_->Grant(alice_, {{kS1}, std::nullopt, std::nullopt, Plus(Today(), 30)});
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, ErrorCode::kRuleViolation);
  clock_.Advance(days(21));  // all lapsed, none swept yet
  auto again = svc_->Grant(alice_, {{kS1}, std::nullopt, std::nullopt, Plus(Today(), 30)});
  ASSERT_TRUE(again) << again.error().message;
}

TEST_F(ServiceTest, CounterListsItsOwnMandatesOfAPrincipal) {
  Caller clerk1 = Caller::Clerk(kOin1, "medewerker-7");
  auto direct = svc_->CreateDirect(clerk1, {kAlice, {kS1}, std::nullopt, Plus(Today(), 30),
                                            Evidence{"PASPOORT", "NW1", ""}});
  ASSERT_TRUE(direct) << direct.error().message;
  MustActivate(kAlice, kBob);  // voluntary: not the counter's business
  auto list = svc_->ListByPrincipal(clerk1, kAlice);
  ASSERT_TRUE(list) << list.error().message;
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].mandate.id, direct->mandate.mandate.id);
  auto other = svc_->ListByPrincipal(bob_, kAlice);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::kForbidden);
  auto own = svc_->ListByPrincipal(alice_, kAlice);
  ASSERT_TRUE(own);
  EXPECT_EQ(own->size(), 2u);
}

TEST_F(ServiceTest, AConcurrentChangeIsReloadedAndRetried) {
  Uuid id = MustActivate(kAlice, kBob, {kS1, kS2}).mandate.mandate.id;
  RacingStore racing(*store_);
  svc_.reset();
  auto svc = MandateService::Create(racing, registry_, clock_, {std::string(32, 'k')});
  ASSERT_TRUE(svc);
  // Another node narrows the mandate to S2 just before our revoke commits, once.
  bool raced = false;
  racing.before_commit = [&](Store& inner) {
    if (raced) return;
    raced = true;
    Mandate m = inner.GetMandate(id).value().value();
    Transition t = volmacht::Restrict(m, {kS2}, m.end, Today(), clock_.Now(), "other", Channel::kApi)
                       .value();
    WriteBatch b;
    b.mandates.push_back({t.mandate, m.version});
    b.events.push_back({id.str(), t.event});
    ASSERT_TRUE(inner.Commit(std::move(b)));
  };
  auto r = (*svc)->Revoke(alice_, id);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->mandate.mandate.state, MandateState::kRevoked);
  EXPECT_EQ(r->mandate.mandate.services, std::vector<Uuid>{kS2});  // built on the newer one
  EXPECT_EQ(EventTypes(id), (std::vector<std::string>{"REQUESTED", "ACTIVATED", "RESTRICTED",
                                                      "REVOKED"}));

  // A change that keeps racing gives up with kConflict after the retries.
  Uuid other = MustGrantVia(**svc, kCarol);
  int races = 0;
  racing.before_commit = [&](Store& inner) {
    ++races;
    Mandate m = inner.GetMandate(other).value().value();
    m.version += 1;
    m.changed = clock_.Now();
    WriteBatch b;
    b.mandates.push_back({m, m.version - 1});
    ASSERT_TRUE(inner.Commit(std::move(b)));
  };
  auto w = (*svc)->Withdraw(carol_, other);
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, ErrorCode::kConflict);
  EXPECT_EQ(races, 4);  // the first try and three retries
  racing.before_commit = nullptr;
  svc->reset();
  StartService();
}

TEST(ServiceCreateTest, RefusesAShortCodeKey) {
  char tmpl[] = "/tmp/volmacht_service_keyXXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  ManualClock clock(Timestamp(std::chrono::sys_days(D(2026, 3, 10))));
  FakeRegistry registry;
  {
    auto store = SqliteStore::Open(std::string(tmpl) + "/db", clock);
    ASSERT_TRUE(store);
    auto svc = MandateService::Create(**store, registry, clock, {std::string(31, 'k')});
    ASSERT_FALSE(svc);
    EXPECT_EQ(svc.error().code, ErrorCode::kInvalidArgument);
  }
  std::filesystem::remove_all(tmpl);
}

}  // namespace
}  // namespace volmacht

namespace volmacht {
namespace {

TEST_F(ServiceTest, LoginRegistrationsOfAProviderAreValidated) {
  Provider p = *svc_->FindProvider(kOin1);
  p.saml_metadata = "<EntityDescriptor/>";
  p.oidc_clients = {{"portal", std::string(64, 'a'), {"https://portal.example/cb"}}};
  ASSERT_TRUE(svc_->PutProvider(Caller::Admin(), p));
  EXPECT_EQ(svc_->FindProvider(kOin1)->oidc_clients, p.oidc_clients);
  EXPECT_EQ(svc_->FindProvider(kOin1)->saml_metadata, "<EntityDescriptor/>");

  auto refused = [&](Provider bad) {
    auto r = svc_->PutProvider(Caller::Admin(), bad);
    return !r && r.error().code == ErrorCode::kInvalidArgument;
  };
  Provider bad = p;
  bad.oidc_clients[0].redirect_uris = {"http://portal.example/cb"};  // not https
  EXPECT_TRUE(refused(bad));
  bad.oidc_clients[0].redirect_uris = {"https://portal.example/cb#x"};  // fragment
  EXPECT_TRUE(refused(bad));
  bad.oidc_clients[0].redirect_uris = {};
  EXPECT_TRUE(refused(bad));
  bad = p;
  bad.oidc_clients[0].secret_sha256_hex = "plain-secret";
  EXPECT_TRUE(refused(bad));
  bad = p;
  bad.oidc_clients.push_back(bad.oidc_clients[0]);  // same client id twice
  EXPECT_TRUE(refused(bad));
  bad = p;
  bad.saml_metadata = std::string(300 * 1024, 'x');
  EXPECT_TRUE(refused(bad));
  // Loopback http is allowed for development.
  bad = p;
  bad.oidc_clients[0].redirect_uris = {"http://127.0.0.1:3000/cb"};
  EXPECT_TRUE(svc_->PutProvider(Caller::Admin(), bad));
  // Only administrators register clients.
  auto r = svc_->PutProvider(Caller::Citizen(*Bsn::Parse("999993653"), Channel::kWeb), p);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kForbidden);
}

}  // namespace
}  // namespace volmacht
