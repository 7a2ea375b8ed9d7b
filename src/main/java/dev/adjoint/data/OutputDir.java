package dev.adjoint.data;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The run's output folder on any Hadoop file system. Each file is written under a temporary name and
 * renamed when complete, so a result that exists is a whole one. An existing folder is refused unless
 * {@code overwrite}; then only the result names this job writes are removed, nothing else.
 */
public final class OutputDir {
  /** Every name a run may write; the only ones --overwrite removes. */
  public static final List<String> RESULT_NAMES = List.of("dW.npy", "db.npy", "report.json", "W.npy", "b.npy", "activations");

  private final FileSystem fs;
  private final Path dir;
  private final List<String> ownNames;

  private OutputDir(FileSystem fs, Path dir, List<String> ownNames) {
    this.fs = fs;
    this.dir = dir;
    this.ownNames = ownNames;
  }

  /** Checks a run's output folder can be used; creates nothing yet. */
  public static OutputDir prepare(Configuration conf, String path, boolean overwrite) {
    return prepare(conf, path, overwrite, RESULT_NAMES);
  }

  /** Checks the folder can be used by a writer of {@code ownNames}; creates nothing yet. */
  public static OutputDir prepare(Configuration conf, String path, boolean overwrite, List<String> ownNames) {
    Path dir = new Path(path);
    try {
      FileSystem fs = dir.getFileSystem(conf);
      if (fs.exists(dir)) {
        FileStatus st = fs.getFileStatus(dir);
        if (!st.isDirectory()) {
          throw new InputException("output " + path + " exists and is a file; expected a folder to create");
        }
        if (!overwrite && fs.listStatus(dir).length > 0) {
          throw new InputException("output folder " + path + " exists and is not empty; pass --overwrite to replace "
              + "its results (" + String.join(", ", ownNames) + ") or choose another --output");
        }
      }
      return new OutputDir(fs, dir, ownNames);
    } catch (IOException e) {
      throw new InputException("output " + path + ": " + e.getMessage(), e);
    }
  }

  /** Removes this writer's earlier results (only its own names) and creates the folder. */
  public void clearOwnResults() throws IOException {
    fs.mkdirs(dir);
    for (String name : ownNames) {
      Path p = new Path(dir, name);
      if (fs.exists(p)) {
        fs.delete(p, true);
      }
    }
  }

  /** The full path of {@code name} in the folder, as a string Spark's writers accept. */
  public String resolve(String name) {
    return new Path(dir, name).toString();
  }

  /** Something that writes a file's bytes. */
  @FunctionalInterface
  public interface Writer {
    void write(OutputStream out) throws IOException;
  }

  /** Writes {@code name} through a temporary name and renames it into place when complete. */
  public void writeAtomically(String name, Writer writer) throws IOException {
    Path target = new Path(dir, name);
    Path tmp = new Path(dir, "." + name + ".inprogress");
    try (OutputStream out = fs.create(tmp, true)) {
      writer.write(out);
    } catch (IOException | RuntimeException e) {
      fs.delete(tmp, false);
      throw e;
    }
    if (fs.exists(target)) {
      fs.delete(target, false);
    }
    if (!fs.rename(tmp, target)) {
      fs.delete(tmp, false);
      throw new IOException("could not rename " + tmp + " to " + target);
    }
  }
}
