// Reads a DSMLv2 batchResponse with the Apache Directory LDAP API's own parser
// (Dsmlv2ResponseParser) and prints what it understood, one fact per line, so the
// test can compare it with what dirgate meant to send. Values are printed as
// base64 of their bytes, so nothing is lost or trimmed on the way.
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Base64;
import org.apache.directory.api.dsmlv2.DsmlDecorator;
import org.apache.directory.api.dsmlv2.Dsmlv2ResponseParser;
import org.apache.directory.api.dsmlv2.response.ErrorResponse;
import org.apache.directory.api.dsmlv2.response.SearchResponse;
import org.apache.directory.api.dsmlv2.response.SearchResultEntryDsml;
import org.apache.directory.api.ldap.codec.api.LdapApiServiceFactory;
import org.apache.directory.api.ldap.model.entry.Attribute;
import org.apache.directory.api.ldap.model.entry.Value;
import org.apache.directory.api.ldap.model.message.Control;
import org.apache.directory.api.ldap.model.message.ExtendedResponse;
import org.apache.directory.api.ldap.model.message.Response;
import org.apache.directory.api.ldap.model.message.ResultResponse;

public class ApacheDsmlRead {
  static String b64(byte[] bytes) {
    return Base64.getEncoder().encodeToString(bytes == null ? new byte[0] : bytes);
  }

  static void result(String kind, ResultResponse r) {
    System.out.println(kind + " id=" + r.getMessageId() + " code=" + r.getLdapResult().getResultCode().getResultCode());
    for (Control c : r.getControls().values()) System.out.println("  control " + c.getOid());
  }

  public static void main(String[] args) throws Exception {
    Dsmlv2ResponseParser parser = new Dsmlv2ResponseParser(LdapApiServiceFactory.getSingleton());
    parser.setInput(new String(Files.readAllBytes(Paths.get(args[0])), StandardCharsets.UTF_8));
    parser.parse();
    System.out.println("batch id=" + parser.getBatchResponse().getRequestID());
    for (DsmlDecorator<? extends Response> d : parser.getBatchResponse().getResponses()) {
      Response r = d.getDecorated();
      if (r instanceof ErrorResponse) {
        ErrorResponse e = (ErrorResponse) r;
        System.out.println("error id=" + e.getRequestID() + " type=" + e.getTypeDescr(e.getErrorType()) + " message=" + e.getMessage());
      } else if (r instanceof SearchResponse) {
        SearchResponse s = (SearchResponse) r;
        System.out.println("search id=" + s.getMessageId());
        for (SearchResultEntryDsml entry : s.getSearchResultEntryList()) {
          System.out.println("  entry " + entry.getObjectName());
          for (Attribute a : entry.getEntry()) {
            for (Value v : a) System.out.println("    value " + a.getUpId() + " " + b64(v.getBytes()));
          }
        }
        result("  done", s.getSearchResultDone());
      } else if (r instanceof ExtendedResponse) {
        result("extended", (ExtendedResponse) r);
        System.out.println("  name " + ((ExtendedResponse) r).getResponseName());
      } else if (r instanceof ResultResponse) {
        result(r.getType().name(), (ResultResponse) r);
      } else {
        System.out.println("other " + r.getType());
      }
    }
  }
}
