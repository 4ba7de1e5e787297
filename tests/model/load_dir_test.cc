#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "model/decode.h"

namespace waygate::model {
namespace {

namespace fs = std::filesystem;

std::string ServiceYaml(const std::string& name) {
  return "apiVersion: v1\nkind: Service\nmetadata: {name: " + name +
         "}\nspec: {ports: [{port: 80}]}\n";
}

class LoadDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "waygate-model-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(fs::path(dir_) / name) << text;
  }
  std::string dir_;
};

TEST_F(LoadDirTest, LoadsOnlyManifestFilesInNameOrder) {
  Write("b.yaml", ServiceYaml("b"));
  Write("a.yml", ServiceYaml("a"));
  Write("c.json", R"({"apiVersion":"v1","kind":"Service","metadata":{"name":"c"},)"
                  R"("spec":{"ports":[{"port":80}]}})");
  Write("d.txt", ServiceYaml("txt"));
  Write(".hidden.yaml", ServiceYaml("hidden"));
  Write("e.yaml~", ServiceYaml("backup"));
  Write(".e.yaml.swp", ServiceYaml("swap"));
  Write("f.yaml.swp", ServiceYaml("swap2"));
  fs::create_directory(fs::path(dir_) / "sub.yaml");
  fs::create_directory(fs::path(dir_) / "nested");
  Write("nested/n.yaml", ServiceYaml("nested"));

  std::vector<Diagnostic> diags;
  ClusterState state = LoadManifestDir(dir_, diags);
  EXPECT_TRUE(diags.empty());
  ASSERT_EQ(state.services.size(), 3u);
  EXPECT_EQ(state.services[0].meta.name, "a");
  EXPECT_EQ(state.services[1].meta.name, "b");
  EXPECT_EQ(state.services[2].meta.name, "c");
  EXPECT_EQ(state.services[0].origin.file, (fs::path(dir_) / "a.yml").string());
}

TEST_F(LoadDirTest, BadFilesAreReportedAndTheRestLoads) {
  Write("a.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: [oops\n");
  Write("b.yaml", ServiceYaml("b"));
  fs::create_symlink(fs::path(dir_) / "missing-target", fs::path(dir_) / "c.yaml");
  Write("d.json", "{not json");
  std::vector<Diagnostic> diags;
  ClusterState state = LoadManifestDir(dir_, diags);
  ASSERT_EQ(state.services.size(), 1u);
  EXPECT_EQ(state.services[0].meta.name, "b");
  ASSERT_EQ(diags.size(), 3u);
  EXPECT_EQ(diags[0].origin.file, dir_ + "/a.yaml");
  EXPECT_NE(diags[0].error.message.find("yaml: line "), std::string::npos);
  EXPECT_EQ(diags[1].origin.file, dir_ + "/c.yaml");
  EXPECT_EQ(diags[1].error.code, ErrorCode::kIo);
  EXPECT_EQ(diags[1].ToString().rfind(dir_ + "/c.yaml: cannot read: ", 0), 0u)
      << diags[1].ToString();
  EXPECT_EQ(diags[2].origin.file, dir_ + "/d.json");
  EXPECT_NE(diags[2].error.message.find("json: "), std::string::npos);
}

TEST_F(LoadDirTest, UnreadableFileIsADiagnostic) {
  if (geteuid() == 0) GTEST_SKIP() << "root reads every file";
  Write("a.yaml", ServiceYaml("a"));
  fs::permissions(fs::path(dir_) / "a.yaml", fs::perms::none);
  std::vector<Diagnostic> diags;
  ClusterState state = LoadManifestDir(dir_, diags);
  EXPECT_TRUE(state.services.empty());
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].error.code, ErrorCode::kIo);
}

TEST_F(LoadDirTest, DuplicateObjectsKeepTheFirst) {
  Write("a.yaml", ServiceYaml("web"));
  Write("b.yaml", ServiceYaml("other") + "---\n" + ServiceYaml("web"));
  std::vector<Diagnostic> diags;
  ClusterState state = LoadManifestDir(dir_, diags);
  ASSERT_EQ(state.services.size(), 2u);
  EXPECT_EQ(state.services[0].origin.file, dir_ + "/a.yaml");
  EXPECT_EQ(state.services[1].meta.name, "other");
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].error.code, ErrorCode::kConflict);
  EXPECT_EQ(diags[0].ToString(), dir_ +
                                     "/b.yaml[1]: Service default/web: metadata.name: "
                                     "already defined at " +
                                     dir_ + "/a.yaml[0]; this definition is ignored");
}

TEST(LoadDir, MissingDirectory) {
  std::vector<Diagnostic> diags;
  ClusterState state = LoadManifestDir("/nonexistent/waygate-model-test", diags);
  EXPECT_TRUE(state.services.empty());
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].error.code, ErrorCode::kIo);
  EXPECT_EQ(diags[0].origin.document, -1);
}

}  // namespace
}  // namespace waygate::model
